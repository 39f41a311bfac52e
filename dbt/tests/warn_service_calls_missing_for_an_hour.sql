{{ config(
    severity='warn',
    meta={
        'label': 'Timer uden tal for servicekald',
        'dagster': {'ref': {'name': 'stg_operations__service_calls'}},
    },
) }}
-- R11 warning: an hour of the reported months without any service-call row
-- for an environment (the count would silently be too low).
with

environments as (
    select distinct environment
    from {{ ref('stg_reference__services') }}
    where environment is not null
),

-- A Copenhagen month starts and ends on a whole UTC hour.
month_hours as (
    select
        month,
        {{ hour_series('month_start_at', 'month_end_at') }} as hour_index
    from {{ ref('int_report_months') }}
),

hours as (
    select
        month,
        {{ instant_from_seconds('hour_index * 3600') }} as period_start
    from month_hours
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
