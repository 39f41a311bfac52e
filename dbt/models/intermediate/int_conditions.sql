-- R5: everything that costs availability, as [start_at, end_at) intervals with
-- a severity and an impact weight in (0, 1]: probe down runs (red, 1.0),
-- probe degraded runs (yellow, the service's degraded_impact) and incidents
-- as of T (their severity and impact, see int_incidents_as_of).
with

services as (
    select
        service_id,
        degraded_impact
    from {{ ref('stg_reference__services') }}
),

probe_conditions as (
    select
        runs.service_id,
        'probe ' || runs.status || ' '
        || {{ utc_minute_text('runs.start_at') }} as condition_id,
        'probe' as condition_source,
        cast(null as {{ text_type() }}) as incident_id,
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
        service_id,
        incident_id as condition_id,
        'incident' as condition_source,
        incident_id,
        severity,
        impact,
        started_at as start_at,
        effective_end_at as end_at
    from {{ ref('int_incidents_as_of') }}
    where started_at < effective_end_at
)

select * from probe_conditions
union all
select * from incident_conditions
