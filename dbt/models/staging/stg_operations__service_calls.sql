-- Hourly service calls counted before T (R6). An hourly row landed twice (a feed
-- that sends a file again under another name) is one row: R11 sums the hours, not
-- their deliveries (tests/warn_service_calls_landed_twice.sql says so). Two other
-- counts for one hour stay two rows, which the key test stops.
select distinct
    period_start,
    environment,
    service_code,
    calls,
    failed_calls
from {{ source('raw', 'service_calls') }}
where period_start < {{ as_of_ts() }}
