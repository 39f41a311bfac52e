-- R7: per service and month, the agreed service time, the integral of the
-- downtime weight, red time, yellow-without-red time and time with probe data.
select
    service_id,
    month,
    sum(seconds) as service_seconds,
    sum(seconds * weight) as downtime_seconds,
    coalesce(sum(seconds) filter (where has_red), 0) as red_seconds,
    coalesce(sum(seconds) filter (where has_yellow and not has_red), 0) as yellow_seconds,
    coalesce(sum(seconds) filter (where is_known), 0) as known_seconds
from {{ ref('int_service_time_segments') }}
group by service_id, month
