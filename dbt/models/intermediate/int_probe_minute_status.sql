-- R4: each service's status per minute from its probes. A probe's worst check
-- in the minute counts; then down if more than half of the reporting probes
-- say down, degraded if more than half say down or degraded, else up.
-- A view: read once, by int_probe_status_intervals; minutes are never stored.
{{ config(materialized='view') }}

with

per_probe as (
    select
        service_id,
        probe_id,
        minute_start,
        max(
            case status when 'down' then 2 when 'degraded' then 1 else 0 end
        ) as worst
    from {{ ref('stg_monitoring__probe_checks') }}
    -- Only the minutes of the months being built (all without a window).
    where {{ instant_in_build_window('minute_start') }}
    group by service_id, probe_id, minute_start
),

votes as (
    select
        service_id,
        minute_start,
        count(*) as probes_reporting,
        count(*) filter (where worst = 2) as probes_down,
        count(*) filter (where worst >= 1) as probes_down_or_degraded
    from per_probe
    group by service_id, minute_start
)

select
    service_id,
    minute_start,
    probes_reporting,
    probes_down,
    probes_down_or_degraded,
    case
        when probes_down * 2 > probes_reporting then 'down'
        when probes_down_or_degraded * 2 > probes_reporting then 'degraded'
        else 'up'
    end as status
from votes
