-- The key of the probe checks: a probe checks a service once at an instant. The
-- same check landed twice (a resent file) changes no figure (R4 takes the worst
-- check per probe and minute), so it is a warning, not a stop.
--
-- Grouping every check by its key takes gigabytes at hundreds of millions of
-- checks. A check landed twice puts two checks into one minute of its probe, so
-- only the hours of int_probe_hours (the months being built) with more checks
-- than reported minutes can hold one; only their checks are grouped.
{{ config(
    severity='warn',
    meta={
        'label': 'Probemåling modtaget to gange (tæller én gang)',
        'dagster': {'ref': {'name': 'stg_monitoring__probe_checks'}},
    },
) }}

with

crowded_hours as (
    select
        service_id,
        probe_id,
        hour_start
    from {{ ref('int_probe_hours') }}
    where checks > bit_count(known_mask) and {{ instant_in_build_window('hour_start') }}
)

select
    checks.service_id,
    checks.probe_id,
    checks.checked_at,
    count(*) as occurrences
from {{ ref('stg_monitoring__probe_checks') }} as checks
inner join crowded_hours
    on
        checks.service_id = crowded_hours.service_id
        and checks.probe_id = crowded_hours.probe_id
        and {{ instant_from_seconds(idiv(instant_us('checks.minute_start'), 3600000000)
            ~ ' * 3600') }}
        = crowded_hours.hour_start
group by checks.service_id, checks.probe_id, checks.checked_at
having count(*) > 1
