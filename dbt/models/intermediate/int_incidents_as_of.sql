-- R6: each incident as its latest version recorded at or before T says;
-- cancelled incidents are gone, open ones last until T. One row per service,
-- with the impact weight of R5.
with

latest as (
    select *
    from {{ ref('stg_incidents__incident_versions') }}
    qualify row_number() over (
        partition by incident_id order by version_number desc
    ) = 1
),

per_service as (
    select
        incident_id,
        severity,
        impact,
        started_at,
        ended_at,
        status,
        service_code,
        title,
        description,
        cause,
        resolution,
        recorded_at,
        version_number,
        unnest(service_ids) as service_id
    from latest
    where status != 'cancelled'
)

select
    per_service.* exclude (impact),
    services.area,
    per_service.impact as reported_impact,
    case
        when per_service.severity = 'red' then 1.0
        else coalesce(per_service.impact, services.degraded_impact)
    end as impact,
    least(
        coalesce(per_service.ended_at, {{ as_of_ts() }}), {{ as_of_ts() }}
    ) as effective_end_at
from per_service
inner join {{ ref('services') }} as services
    on per_service.service_id = services.service_id
