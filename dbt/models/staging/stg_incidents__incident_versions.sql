-- Incident versions recorded at or before T (R6).
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
    row_number() over (
        partition by incident_id order by recorded_at, _file, _line
    ) as version_number
from {{ source('raw', 'incidents') }}
where recorded_at <= {{ as_of_ts() }}
