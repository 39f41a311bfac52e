-- R3/R12: the service windows as of T, one row per window and service, for
-- explaining a cell (the window rows of fct_downtime_intervals) and for
-- listing them: planned if announced no later than they started.
select
    window_id,
    service_id,
    area,
    starts_at,
    ends_at,
    announced_at,
    description,
    is_planned,
    month
from {{ ref('int_service_windows') }}
