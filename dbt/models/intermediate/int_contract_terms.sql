-- The contract terms in force per service and month: the ones valid on the
-- month's first local day, picked as R9 picks the SLA target. Only these
-- service-months can carry a penalty.
select
    terms.service_id,
    months.month,
    terms.monthly_fee,
    terms.step_pct,
    terms.share_per_step_pct,
    terms.cap_pct
from {{ ref('int_report_months') }} as months
inner join {{ ref('stg_reference__contract_terms') }} as terms
    on {{ in_force('months.month', 'terms') }}
