-- R8-R10: availability per service and month against its SLA target, as the
-- report shows it. Every service has a row for every month of the spine.
with

cells as (
    select
        services.service_id,
        months.month,
        months.month_seconds,
        coalesce(downtime.service_seconds, 0) as service_seconds,
        coalesce(downtime.downtime_seconds, 0) as downtime_seconds,
        coalesce(downtime.red_seconds, 0) as red_seconds,
        coalesce(downtime.yellow_seconds, 0) as yellow_seconds,
        coalesce(downtime.known_seconds, 0) as known_seconds
    from {{ ref('services') }} as services
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
        targets.target_pct as sla_target_pct,
        100 * (1 - cells.downtime_seconds / nullif(cells.service_seconds, 0))
            as availability_pct
    from cells
    left join {{ ref('sla_targets') }} as targets
        on
            cells.service_id = targets.service_id
            and cells.month >= targets.valid_from
            and (targets.valid_to is null or cells.month <= targets.valid_to)
),

-- R9: half-up at two decimals; the cast to 9 decimals first absorbs binary
-- noise, so that 99.895 is not shown as 99,89% because it is stored as 99.8949999.
displayed as (
    select
        *,
        cast(round(cast(availability_pct as decimal(18, 9)), 2) as decimal(5, 2))
            as availability_rounded
    from targeted
)

select
    service_id,
    month,
    service_seconds,
    downtime_seconds,
    red_seconds,
    yellow_seconds,
    availability_pct,
    sla_target_pct,
    availability_rounded,
    month_seconds - service_seconds as excluded_seconds,
    known_seconds / nullif(service_seconds, 0) as probe_coverage,
    (1 - sla_target_pct / 100) * service_seconds - downtime_seconds
        as error_budget_seconds,
    coalesce(
        replace(cast(availability_rounded as varchar), '.', ',') || '%', 'n/a'
    ) as availability_display,
    availability_rounded >= sla_target_pct as sla_met,
    case
        when availability_rounded is null then null
        when availability_rounded >= sla_target_pct then 'green'
        -- R10: red when red time lost at least as much as yellow time did.
        when red_seconds >= downtime_seconds - red_seconds then 'red'
        else 'yellow'
    end as status_colour
from displayed
