-- Response times per service and UTC hour, for the service-months with a
-- response-time target in force: what the worst-hours drill-down ranks. One
-- row per hour with checks; the month's threshold decides which are within it.
select
    service_id,
    month,
    to_timestamp(hour_index * 3600) as hour_start,
    any_value(threshold_ms) as threshold_ms,
    count(*) filter (where is_answered) as answered_checks,
    count(response_ms) as measured_checks,
    count(*) filter (where response_ms <= threshold_ms) as within_threshold_checks,
    count(*) filter (where not is_answered) as down_checks,
    max(response_ms) as slowest_ms
from ({{ response_time_checks() }}) as checks
group by service_id, month, hour_index
