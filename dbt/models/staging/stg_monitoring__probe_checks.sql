-- Probe checks made before T (R6), with the minute each one describes (R4).
select
    service_id,
    probe_id,
    checked_at,
    status,
    response_ms,
    -- floor to the minute in integer maths: date_trunc on a TIMESTAMPTZ goes
    -- through the ICU calendar and is about ten times slower on big tables.
    to_timestamp((epoch_us(checked_at) // 60000000) * 60) as minute_start
from {{ source('raw', 'probe_checks') }}
where checked_at < {{ as_of_ts() }}
