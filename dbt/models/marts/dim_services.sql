-- The services of the report with their area and headings, and the SLA target
-- in force on T's local day (R9 applies targets per month in the fact).
select
    services.service_id,
    services.area,
    areas.title as area_title,
    areas.table_heading,
    services.system,
    services.layer,
    services.label,
    -- The row's place in the report: the areas in their order, each area's services in
    -- theirs (a reference folder may number them per area or throughout).
    cast(row_number() over (
        order by areas.sort_order, areas.area, services.sort_order, services.service_id
    ) as integer) as sort_order,
    services.environment,
    services.degraded_impact,
    targets.target_pct as sla_target_pct
from {{ ref('stg_reference__services') }} as services
inner join {{ ref('stg_reference__areas') }} as areas
    on services.area = areas.area
left join {{ ref('stg_reference__sla_targets') }} as targets
    on
        services.service_id = targets.service_id
        and targets.valid_from <= {{ local_date(as_of_ts()) }}
        and (
            targets.valid_to is null
            or targets.valid_to >= {{ local_date(as_of_ts()) }}
        )
