{#- Every entry of a `closed_on` list is `public` or the name of an optional holiday:
    a misspelt name would silently close nothing. -#}
{% test assert_closed_on_names_a_holiday(model, column_name) %}
with entries as (
    select {{ list_items(column_name) }} as entry
    from {{ model }}
)

select entries.entry
from entries
where
    entries.entry != 'public'
    and not exists (
        select 1 from {{ ref('stg_reference__public_holidays') }} as holidays
        where holidays.category = 'optional' and holidays.holiday_name = entries.entry
    )
{% endtest %}
