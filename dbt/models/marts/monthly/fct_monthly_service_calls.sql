-- R11: service calls per area, environment and Copenhagen month of the hour
-- they were counted in; every environment of an area has every month.
with

environments as (
    select distinct
        area,
        environment
    from {{ ref('dim_services') }}
    where environment is not null
),

calls as (
    select
        environment,
        {{ local_month('period_start') }} as month,
        sum(calls) as calls,
        sum(failed_calls) as failed_calls
    from {{ ref('stg_operations__service_calls') }}
    group by all
)

select
    environments.area,
    environments.environment,
    months.month,
    cast(coalesce(calls.calls, 0) as bigint) as calls,
    cast(coalesce(calls.failed_calls, 0) as bigint) as failed_calls
from environments
cross join {{ ref('int_report_months') }} as months
left join calls
    on
        environments.environment = calls.environment
        and months.month = calls.month
