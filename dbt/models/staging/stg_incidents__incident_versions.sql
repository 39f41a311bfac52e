-- Incident versions recorded at or before T (R6). Every version is kept;
-- int_incidents_as_of picks the one in force.
select
    incident_id,
    recorded_at,
    service_ids,
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
    _file as source_file,
    _line as source_line
from {{ source('raw', 'incidents') }}
where {{ exists_as_of('incidents') }}
