-- The reference services (seed `services`, or a scaled sample's own): the one
-- place models read them from. One row per report row; a system's service-time
-- classes are rows measured as the one service id the feeds use (R2).
with

-- A reference folder from before `measured_as` reads as every row measured as itself;
-- one without `degraded_impact` as its default for every row.
services as (
    {{ with_optional_columns(
        'services', {'measured_as': text_type(), 'degraded_impact': 'double'}
    ) }}
)

select
    service_id,
    area,
    system,
    layer,
    label,
    sort_order,
    environment,
    -- The contract's default: a degraded minute weighs as much as a down one (R5).
    coalesce(degraded_impact, 1.0) as degraded_impact,
    coalesce(nullif(trim(measured_as), ''), service_id) as measured_service_id
from services
