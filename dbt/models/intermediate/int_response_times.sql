-- Response times in one scan of the checks of the months being built, for the
-- service-months with a response-time target in force, rolled up two ways at
-- once (GROUPING SETS; one scan costs a third less than two):
-- - grain 'value': per month, answered or not, and distinct response time, the
--   checks: a month of minute checks becomes a few hundred rows per service,
--   from which the fractiles are exact (cumulative counts);
-- - grain 'hour': per UTC hour, what the worst-hours drill-down ranks.
-- Down checks count as not answered, whatever response time they carry.
select
    service_id,
    month,
    case when grouping(hour_index) = 0 then 'hour' else 'value' end as grain,
    {{ instant_from_seconds('hour_index * 3600') }} as hour_start,
    is_answered,
    response_ms,
    any_value(threshold_ms) as threshold_ms,
    count(*) as checks,
    count(*) filter (where is_answered) as answered_checks,
    count(response_ms) as measured_checks,
    count(*) filter (where response_ms <= threshold_ms) as within_threshold_checks,
    count(*) filter (where not is_answered) as down_checks,
    max(response_ms) as slowest_ms
from ({{ response_time_checks() }}) as checks
group by grouping sets (
    (service_id, month, is_answered, response_ms),
    (service_id, month, hour_index)
)
