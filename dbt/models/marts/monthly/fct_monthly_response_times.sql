-- Response times per service and Copenhagen month against the response-time
-- target in force on the month's first local day (as R9 picks the SLA target):
-- one row per service-month with a target, also when nothing was checked.
--
-- Over the measured checks (answered, i.e. up or degraded, with a response
-- time) of the month:
-- - the p-th fractile is the nearest rank: the smallest response time v such
--   that at least p % of the measured checks took v or less (DuckDB's
--   quantile_disc), exact from the cumulative counts;
-- - the share within the threshold is shown with two decimals, half-up, and
--   that displayed share meets the target's fractile or not (R9's rule).
-- Down checks and answered checks without a response time are counted, never
-- measured. A month without measured checks has no fractiles and no verdict.
with

counts as (
    select
        service_id,
        month,
        is_answered,
        response_ms,
        checks
    from {{ ref('int_response_times') }}
    where grain = 'value'
),

measured as (
    select
        counts.service_id,
        counts.month,
        counts.response_ms,
        targets.fractile_pct,
        -- Checks with this response time or less (one row per distinct value).
        sum(counts.checks) over (
            partition by counts.service_id, counts.month order by counts.response_ms
            rows between unbounded preceding and current row
        ) as at_most,
        sum(counts.checks) over (partition by counts.service_id, counts.month) as measured
    from counts
    inner join {{ ref('int_response_targets') }} as targets
        on
            counts.service_id = targets.service_id
            and counts.month = targets.month
    where counts.is_answered and counts.response_ms is not null
),

-- Nearest rank: the first response time with at least p % of the checks at or below it.
fractiles as (
    select
        service_id,
        month,
        min(response_ms) filter (where at_most * 100 >= 50 * measured) as p50_ms,
        min(response_ms) filter (where at_most * 100 >= 90 * measured) as p90_ms,
        min(response_ms) filter (where at_most * 100 >= 99 * measured) as p99_ms,
        min(response_ms) filter (where at_most * 100 >= fractile_pct * measured)
            as target_fractile_ms
    from measured
    group by service_id, month
),

totals as (
    select
        counts.service_id,
        counts.month,
        sum(counts.checks) as checks,
        coalesce(sum(counts.checks) filter (where not counts.is_answered), 0) as down_checks,
        coalesce(sum(counts.checks) filter (where counts.is_answered), 0) as answered_checks,
        coalesce(sum(counts.checks) filter (where counts.response_ms is not null), 0)
            as measured_checks,
        coalesce(
            sum(counts.checks) filter (where counts.response_ms <= targets.threshold_ms), 0
        ) as within_threshold_checks
    from counts
    inner join {{ ref('int_response_targets') }} as targets
        on
            counts.service_id = targets.service_id
            and counts.month = targets.month
    group by counts.service_id, counts.month
),

cells as (
    select
        targets.service_id,
        services.area,
        targets.month,
        targets.fractile_pct,
        targets.threshold_ms,
        months.is_month_to_date,
        cast(coalesce(totals.checks, 0) as bigint) as checks,
        cast(coalesce(totals.down_checks, 0) as bigint) as down_checks,
        cast(coalesce(totals.answered_checks, 0) as bigint) as answered_checks,
        cast(coalesce(totals.measured_checks, 0) as bigint) as measured_checks,
        cast(coalesce(totals.within_threshold_checks, 0) as bigint) as within_threshold_checks,
        fractiles.p50_ms,
        fractiles.p90_ms,
        fractiles.p99_ms,
        fractiles.target_fractile_ms
    from {{ ref('int_response_targets') }} as targets
    inner join {{ ref('dim_services') }} as services
        on targets.service_id = services.service_id
    inner join {{ ref('int_report_months') }} as months
        on targets.month = months.month
    left join totals
        on
            targets.service_id = totals.service_id
            and targets.month = totals.month
    left join fractiles
        on
            targets.service_id = fractiles.service_id
            and targets.month = fractiles.month
),

rounded as (
    select
        *,
        100 * within_threshold_checks / nullif(measured_checks, 0) as within_threshold_pct,
        {{ pct_half_up('within_threshold_checks', 'measured_checks') }} as within_threshold_rounded
    from cells
)

select
    service_id,
    month,
    checks,
    answered_checks,
    down_checks,
    answered_checks - measured_checks as unmeasured_checks,
    measured_checks,
    p50_ms,
    p90_ms,
    p99_ms,
    fractile_pct,
    threshold_ms,
    target_fractile_ms,
    within_threshold_checks,
    within_threshold_pct,
    within_threshold_rounded,
    {{ pct_display('within_threshold_rounded') }} as within_threshold_display,
    -- R9's rule: the displayed share is what meets the fractile or not.
    within_threshold_rounded >= fractile_pct as target_met,
    area,
    is_month_to_date
from rounded
