-- The reference services (seed `services`, or a scaled sample's own): the one
-- place models read them from.
select
    service_id,
    area,
    system,
    layer,
    label,
    sort_order,
    environment,
    degraded_impact
from {{ ref('services') }}
