-- Response times, first step: one scan of the checks of the months being built,
-- for the service-months with a response-time target in force, into a count per
-- distinct response time. A month of minute checks becomes a few hundred rows
-- per service, from which the fractiles are exact (cumulative counts). Down
-- checks count as not answered, whatever response time they carry.
select
    service_id,
    month,
    is_answered,
    response_ms,
    count(*) as checks
from ({{ response_time_checks() }}) as checks
group by all
