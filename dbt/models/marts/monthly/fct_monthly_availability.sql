-- R8-R10: availability per service and Copenhagen month against its SLA
-- target, as the report shows it. Every service has a row for every month of
-- the spine, also when nothing was recorded.
with

cells as (
    select
        services.service_id,
        services.area,
        months.month,
        months.month_seconds,
        months.is_month_to_date,
        coalesce(downtime.service_seconds, 0) as service_seconds,
        coalesce(downtime.downtime_seconds, 0) as downtime_seconds,
        coalesce(downtime.red_seconds, 0) as red_seconds,
        coalesce(downtime.yellow_seconds, 0) as yellow_seconds,
        coalesce(downtime.known_seconds, 0) as known_seconds
    from {{ ref('dim_services') }} as services
    cross join {{ ref('int_report_months') }} as months
    left join {{ ref('int_monthly_service_downtime') }} as downtime
        on
            services.service_id = downtime.service_id
            and months.month = downtime.month
),

-- R9: the target valid on the month's first local day.
targeted as (
    select
        cells.*,
        targets.target_pct as sla_target_pct
    from cells
    left join {{ ref('stg_reference__sla_targets') }} as targets
        on
            cells.service_id = targets.service_id
            and {{ in_force('cells.month', 'targets') }}
),

-- R8/R9: availability unrounded, and rounded half-up to hundredths of a percent
-- in exact integer arithmetic on microseconds (macros/percent.sql). A month is at
-- most 2.7e12 microseconds: 20,000 times that still fits a BIGINT.
in_microseconds as (
    select
        *,
        cast(round(service_seconds * 1e6) as bigint) as service_us,
        cast(round((service_seconds - downtime_seconds) * 1e6) as bigint) as up_us
    from targeted
),

rounded as (
    select
        *,
        100 * (1 - downtime_seconds / nullif(service_seconds, 0)) as availability_pct,
        {{ pct_half_up('up_us', 'service_us') }} as availability_rounded
    from in_microseconds
)

select
    service_id,
    month,
    service_seconds,
    month_seconds - service_seconds as excluded_seconds,
    downtime_seconds,
    red_seconds,
    yellow_seconds,
    known_seconds / nullif(service_seconds, 0) as probe_coverage,
    -- R8; (100 - target) is exact in decimal, so a 99.90 target allows exactly 0.1 %.
    (100 - sla_target_pct) * service_seconds / 100 - downtime_seconds as error_budget_seconds,
    availability_pct,
    {{ pct_display('availability_rounded') }} as availability_display,
    sla_target_pct,
    -- R9: the displayed value is what meets the target or not.
    availability_rounded >= sla_target_pct as sla_met,
    -- R10; a month without agreed service time (n/a), or without a target in force,
    -- has no verdict and so no colour.
    case
        when availability_rounded is null or sla_target_pct is null then null
        when availability_rounded >= sla_target_pct then 'green'
        when red_seconds >= downtime_seconds - red_seconds then 'red'
        else 'yellow'
    end as status_colour,
    availability_rounded,
    area,
    month_seconds,
    known_seconds,
    is_month_to_date
from rounded
