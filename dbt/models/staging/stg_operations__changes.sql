-- Changes deployed before T (R6).
select
    change_id,
    area,
    environment,
    kind,
    deployed_at,
    summary
from {{ source('raw', 'changes') }}
where {{ exists_as_of('changes') }}
