-- The reference services (seed `services`, or a scaled sample's own): the one
-- place models read them from. One row per report row; a system's service-time
-- classes are rows measured as the one service id the feeds use (R2).
with

-- A reference folder from before `measured_as` reads as every row measured as itself.
services as (
    {{ with_optional_column('services', 'measured_as') }}
)

select
    service_id,
    area,
    system,
    layer,
    label,
    sort_order,
    environment,
    degraded_impact,
    coalesce(nullif(trim(measured_as), ''), service_id) as measured_service_id
from services
