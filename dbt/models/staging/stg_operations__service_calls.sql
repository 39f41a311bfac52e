-- Hourly service calls counted before T (R6). An hourly row landed twice (a file sent
-- again under another name) is one row: R11 sums the hours, not their deliveries (the
-- landed_twice test warns of it). Two other counts for one hour stay two rows, which
-- the key test stops.
select distinct
    period_start,
    environment,
    service_code,
    calls,
    failed_calls
from {{ source('raw', 'service_calls') }}
where {{ exists_as_of('service_calls') }}
