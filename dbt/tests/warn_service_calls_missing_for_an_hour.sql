{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_operations__service_calls'}}}) }}
-- R11 warning: an hour of the reported months without any service-call row
-- for an environment (the count would silently be too low).
with

environments as (
    select distinct environment
    from {{ ref('stg_reference__services') }}
    where environment is not null
),

hours as (
    select
        months.month,
        unnest(generate_series(
            months.month_start_at,
            months.month_end_at - interval 1 hour,
            interval 1 hour
        )) as period_start
    from {{ ref('int_report_months') }} as months
),

counted as (
    select distinct
        environment,
        period_start
    from {{ ref('stg_operations__service_calls') }}
)

select
    environments.environment,
    hours.month,
    hours.period_start
from hours
cross join environments
left join counted
    on
        environments.environment = counted.environment
        and hours.period_start = counted.period_start
where counted.period_start is null
