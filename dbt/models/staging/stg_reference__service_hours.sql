-- Weekly agreed service hours (seed `service_hours`, R2): the one place models
-- read them from. `closed_on` becomes a list: the holiday categories and names
-- whose days the hours skip; empty: none.
with

-- A reference folder from before the `closed_on` column reads as closing on none.
hours as (
    {{ with_optional_columns('service_hours', {'closed_on': text_type()}) }}
)

select
    service_id,
    iso_weekday,
    start_local,
    end_local,
    {{ text_parts('closed_on', '+') }} as closed_on
from hours
