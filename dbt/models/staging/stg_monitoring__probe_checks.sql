-- Probe checks made before T (R6), with the minute each one describes (R4).
select
    service_id,
    probe_id,
    checked_at,
    status,
    response_ms,
    {{ minute_start_of('checked_at') }} as minute_start
from {{ source('raw', 'probe_checks') }}
where {{ exists_as_of('probe_checks') }}
