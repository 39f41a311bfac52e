-- Occurrences of recurring service windows, of declarations announced at or
-- before T (R6): a declaration announced later changes nothing before it.
select
    window_id,
    service_id,
    announced_at,
    starts_at,
    ends_at,
    description
from {{ source('raw', 'recurring_window_occurrences') }}
where {{ exists_as_of('recurring_window_occurrences') }}
