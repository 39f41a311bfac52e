-- Weekly agreed service hours (seed `service_hours`, R2): the one place models
-- read them from.
select
    service_id,
    iso_weekday,
    start_local,
    end_local
from {{ ref('service_hours') }}
