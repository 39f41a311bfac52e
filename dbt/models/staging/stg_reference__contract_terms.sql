-- Contract terms with their validity (seed `contract_terms`): the one place
-- models read them from.
select
    service_id,
    monthly_fee,
    step_pct,
    share_per_step_pct,
    cap_pct,
    valid_from,
    valid_to
from {{ ref('contract_terms') }}
