-- R6: each incident as the latest version recorded at or before T says.
-- Cancelled incidents are gone; open ones last until T. One row per incident
-- and service, with the impact weight of R5.
with

versions as (
    select
        *,
        -- Versions recorded at the same instant keep their order in the files.
        cast(row_number() over (
            partition by incident_id
            order by recorded_at, source_file, source_line
        ) as bigint) as version_number
    from {{ ref('stg_incidents__incident_versions') }}
),

last_versions as (
    select
        incident_id,
        max(version_number) as version_number
    from versions
    group by incident_id
),

latest as (
    select versions.*
    from versions
    inner join last_versions
        on
            versions.incident_id = last_versions.incident_id
            and versions.version_number = last_versions.version_number
),

per_service as (
    select distinct
        incident_id,
        {{ list_items('service_ids') }} as service_id,
        severity,
        impact as reported_impact,
        started_at,
        ended_at,
        status,
        service_code,
        title,
        description,
        cause,
        resolution,
        recorded_at,
        version_number
    from latest
    where status != 'cancelled'
)

-- An incident on a service id affects every report row measured as it (its
-- service-time classes, R2); one naming a class affects that class. Once each.
select distinct
    per_service.incident_id,
    services.service_id,
    services.area,
    per_service.severity,
    -- R5: red costs everything; yellow its own impact, else the service's.
    case
        when per_service.severity = 'red' then 1.0
        else coalesce(per_service.reported_impact, services.degraded_impact)
    end as impact,
    per_service.reported_impact,
    per_service.started_at,
    per_service.ended_at,
    least(
        coalesce(per_service.ended_at, {{ as_of_ts() }}), {{ as_of_ts() }}
    ) as effective_end_at,
    per_service.status,
    per_service.service_code,
    per_service.title,
    per_service.description,
    per_service.cause,
    per_service.resolution,
    per_service.recorded_at,
    per_service.version_number
from per_service
inner join {{ services_by_feed() }} as services
    on per_service.service_id = services.feed_service_id
