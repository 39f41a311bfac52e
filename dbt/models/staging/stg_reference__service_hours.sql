-- Weekly agreed service hours (seed `service_hours`, R2): the one place models
-- read them from. `closed_on` becomes a list: the holiday categories and names
-- whose days the hours skip; empty: none.
select
    service_id,
    iso_weekday,
    start_local,
    end_local,
    coalesce(string_split(nullif(trim(closed_on), ''), '+'), []) as closed_on
from {{ ref('service_hours') }}
