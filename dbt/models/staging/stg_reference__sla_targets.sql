-- SLA targets with their validity (seed `sla_targets`, R9): the one place models
-- read them from.
select
    service_id,
    target_pct,
    valid_from,
    valid_to
from {{ ref('sla_targets') }}
