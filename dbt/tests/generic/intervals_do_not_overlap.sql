{#- Within each partition, the [start, end) intervals are disjoint and not empty.
    Models that are asof-joined downstream rely on this. -#}
{% test intervals_do_not_overlap(
    model, partition_by, start_column='start_at', end_column='end_at'
) %}
with ordered as (
    select
        {{ partition_by | join(', ') }},
        {{ start_column }} as interval_start,
        {{ end_column }} as interval_end,
        lead({{ start_column }}) over (
            partition by {{ partition_by | join(', ') }} order by {{ start_column }}
        ) as next_start
    from {{ model }}
)

select *
from ordered
where interval_end <= interval_start or next_start < interval_end
{% endtest %}
