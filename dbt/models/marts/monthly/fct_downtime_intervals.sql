-- Explanations: what is behind a cell of fct_monthly_availability. Per service
-- and month, one row per condition that set the downtime weight somewhere in
-- the month's agreed service time (an incident, or a probe down / degraded
-- run), with the seconds it decided and its downtime contribution; the
-- contributions of a cell sum to its downtime_seconds. Service windows that
-- overlap the scheduled service time are listed with no contribution: planned
-- ones are the excluded time, late ones are not excluded (R3).
with

winning as (
    select
        service_id,
        month,
        winning_condition_id as condition_id,
        winning_condition_source as condition_source,
        winning_incident_id as incident_id,
        cast(null as {{ text_type() }}) as window_id,
        winning_severity as severity,
        weight as impact,
        start_at,
        end_at,
        seconds,
        seconds * weight as downtime_seconds
    from {{ ref('int_service_time_segments') }}
    where weight > 0
),

windows as (
    select
        scheduled.service_id,
        scheduled.month,
        windows.window_id as condition_id,
        case when windows.is_planned then 'planned_window' else 'late_window' end
            as condition_source,
        cast(null as {{ text_type() }}) as incident_id,
        windows.window_id,
        cast(null as {{ text_type() }}) as severity,
        cast(null as double) as impact,
        greatest(windows.starts_at, scheduled.start_at) as start_at,
        least(windows.ends_at, scheduled.end_at) as end_at,
        {{ seconds_between(
            'greatest(windows.starts_at, scheduled.start_at)',
            'least(windows.ends_at, scheduled.end_at)'
        ) }} as seconds,
        0.0 as downtime_seconds
    from {{ ref('int_service_windows') }} as windows
    inner join {{ ref('int_scheduled_service_time') }} as scheduled
        on
            windows.service_id = scheduled.service_id
            and windows.starts_at < scheduled.end_at
            and windows.ends_at > scheduled.start_at
),

pieces as (
    select * from winning
    union all
    select * from windows
)

select
    service_id,
    month,
    condition_source,
    condition_id,
    any_value(incident_id) as incident_id,
    any_value(window_id) as window_id,
    any_value(severity) as severity,
    max(impact) as impact,
    min(start_at) as first_start_at,
    max(end_at) as last_end_at,
    sum(seconds) as seconds,
    sum(downtime_seconds) as downtime_seconds
from pieces
group by service_id, month, condition_source, condition_id
