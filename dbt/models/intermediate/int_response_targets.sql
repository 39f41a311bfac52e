-- The response-time target in force per service and month: the one valid on
-- the month's first local day, picked as R9 picks the SLA target. Only these
-- service-months are measured against response time.
select
    targets.service_id,
    months.month,
    targets.fractile_pct,
    targets.threshold_ms
from {{ ref('int_report_months') }} as months
inner join {{ ref('stg_reference__response_targets') }} as targets
    on {{ in_force('months.month', 'targets') }}
