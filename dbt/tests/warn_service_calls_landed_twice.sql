{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_operations__service_calls'}}}) }}
-- R11 warning: an hourly row that landed more than once with the same counts (a file
-- sent again under another name). It counts once (stg_operations__service_calls);
-- audit.loaded_files names the files that hold it.
select
    hours.period_start,
    hours.environment,
    hours.service_code,
    hours.calls,
    hours.failed_calls,
    count(*) as occurrences
from {{ ref('stg_operations__service_calls') }} as hours
inner join {{ source('raw', 'service_calls') }} as landed
    on
        hours.period_start = landed.period_start
        and hours.environment = landed.environment
        and hours.service_code = landed.service_code
        and hours.calls = landed.calls
        and hours.failed_calls = landed.failed_calls
group by
    hours.period_start,
    hours.environment,
    hours.service_code,
    hours.calls,
    hours.failed_calls
having count(*) > 1
