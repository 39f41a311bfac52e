-- R11: service calls per area, environment and Copenhagen month.
with

environments as (
    select distinct
        area,
        environment
    from {{ ref('services') }}
    where environment is not null
),

calls as (
    select
        environment,
        {{ local_month('period_start') }} as month,
        sum(calls) as calls,
        sum(failed_calls) as failed_calls
    from {{ ref('stg_operations__service_calls') }}
    group by environment, {{ local_month('period_start') }}
)

select
    environments.area,
    environments.environment,
    months.month,
    coalesce(calls.calls, 0) as calls,
    coalesce(calls.failed_calls, 0) as failed_calls
from environments
cross join {{ ref('int_report_months') }} as months
left join calls
    on
        environments.environment = calls.environment
        and months.month = calls.month
