-- Response-time targets with their validity (seed `response_targets`): the one
-- place models read them from.
select
    service_id,
    fractile_pct,
    threshold_ms,
    valid_from,
    valid_to
from {{ ref('response_targets') }}
