-- The worst hours of each service-month with a response-time target: the
-- drill-down behind a cell of fct_monthly_response_times. Hours rank by their
-- measured checks over the threshold, then by the slowest check, then by time;
-- the first ten of a month are kept.
with

ranked as (
    select
        *,
        measured_checks - within_threshold_checks as over_threshold_checks,
        -- A BIGINT on either engine (Spark's row_number() is an INT).
        cast(row_number() over (
            partition by service_id, month
            order by
                measured_checks - within_threshold_checks desc,
                slowest_ms desc nulls last,
                hour_start asc
        ) as bigint) as hour_rank
    from {{ ref('int_response_times') }}
    where grain = 'hour'
)

select
    service_id,
    month,
    hour_rank,
    hour_start,
    answered_checks,
    down_checks,
    measured_checks,
    over_threshold_checks,
    {{ pct_display(pct_half_up('within_threshold_checks', 'measured_checks')) }}
        as within_threshold_display,
    slowest_ms,
    threshold_ms
from ranked
where hour_rank <= 10
