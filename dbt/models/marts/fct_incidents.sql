-- R6/R15: incidents as of T, one row per incident and service, for the
-- report's incident notes and for explaining a cell.
select
    incident_id,
    service_id,
    area,
    severity,
    impact,
    started_at,
    ended_at,
    effective_end_at,
    status,
    service_code,
    title,
    description,
    cause,
    resolution,
    recorded_at,
    version_number
from {{ ref('int_incidents_as_of') }}
