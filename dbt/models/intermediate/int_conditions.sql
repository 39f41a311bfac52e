-- R5: everything that costs availability, as intervals with a severity and an
-- impact weight in (0, 1]: probe down (red, 1.0) and degraded (yellow, the
-- service's degraded_impact) runs, and incidents as of T.
with

services as (
    select
        service_id,
        degraded_impact
    from {{ ref('services') }}
),

probe_conditions as (
    select
        runs.service_id,
        'probe' as condition_source,
        cast(null as varchar) as source_id,
        case runs.status when 'down' then 'red' else 'yellow' end as severity,
        case
            when runs.status = 'down' then 1.0 else services.degraded_impact
        end as impact,
        runs.start_at,
        runs.end_at
    from {{ ref('int_probe_status_intervals') }} as runs
    inner join services on runs.service_id = services.service_id
    where runs.status in ('down', 'degraded')
),

incident_conditions as (
    select
        incidents.service_id,
        'incident' as condition_source,
        incidents.incident_id as source_id,
        incidents.severity,
        incidents.impact,
        incidents.started_at as start_at,
        incidents.effective_end_at as end_at
    from {{ ref('int_incidents_as_of') }} as incidents
    where incidents.started_at < incidents.effective_end_at
)

select * from probe_conditions
union all
select * from incident_conditions
