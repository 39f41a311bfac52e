-- Service windows announced at or before T (R6).
select
    window_id,
    service_id,
    starts_at,
    ends_at,
    announced_at,
    description
from {{ source('raw', 'service_windows') }}
where announced_at <= {{ as_of_ts() }}
