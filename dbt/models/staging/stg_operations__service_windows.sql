-- Service windows announced at or before T (R6). A row landed twice (a file sent again
-- under another name) is one row (the landed_twice test warns of it); the same window
-- and service with other times stay two rows, which the key test stops.
select distinct
    window_id,
    service_id,
    starts_at,
    ends_at,
    announced_at,
    description
from {{ source('raw', 'service_windows') }}
where {{ exists_as_of('service_windows') }}
