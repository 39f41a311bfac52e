-- Service windows announced at or before T (R6); planned when announced before they started (R3).
select
    window_id,
    service_id,
    starts_at,
    ends_at,
    announced_at,
    description,
    announced_at <= starts_at as is_planned
from {{ source('raw', 'service_windows') }}
where announced_at <= {{ as_of_ts() }}
