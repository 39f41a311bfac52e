-- Hourly service calls counted before T (R6).
select
    period_start,
    environment,
    service_code,
    calls,
    failed_calls
from {{ source('raw', 'service_calls') }}
where period_start < {{ as_of_ts() }}
