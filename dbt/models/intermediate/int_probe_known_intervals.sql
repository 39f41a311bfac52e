-- R4: the stretches of time with probe data, whatever the status. Minutes
-- outside them are unknown: no downtime, but lower probe coverage.
with

ordered as (
    select
        service_id,
        start_at,
        end_at,
        coalesce(
            start_at
            > max(end_at) over (
                partition by service_id
                order by start_at
                rows between unbounded preceding and 1 preceding
            ),
            true
        ) as starts_new_stretch
    from {{ ref('int_probe_status_intervals') }}
),

stretches as (
    select
        *,
        sum(cast(starts_new_stretch as integer)) over (
            partition by service_id order by start_at
        ) as stretch
    from ordered
)

select
    service_id,
    min(start_at) as start_at,
    max(end_at) as end_at
from stretches
group by service_id, stretch
