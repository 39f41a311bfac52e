-- Penalties (bod) per service and Copenhagen month with contract terms in
-- force: a missed target (R9's verdict on the displayed value) costs
-- share_per_step_pct of the monthly fee per started step of step_pct below the
-- target, at most cap_pct. Exact decimals throughout: the shortfall and the
-- step are whole hundredths of a percentage point, so 0.30 below a 0.10 step
-- is 3 steps, never 3.0000000000000004.
with

verdicts as (
    select
        terms.*,
        availability.area,
        availability.sla_target_pct,
        availability.availability_rounded,
        availability.availability_display,
        availability.sla_met,
        availability.is_month_to_date,
        -- Met: no shortfall; no verdict (n/a, no target): none either.
        cast(case
            when availability.sla_met then 0
            when not availability.sla_met
                then availability.sla_target_pct - availability.availability_rounded
        end as decimal(5, 2)) as shortfall_pct
    from {{ ref('int_contract_terms') }} as terms
    inner join {{ ref('fct_monthly_availability') }} as availability
        on
            terms.service_id = availability.service_id
            and terms.month = availability.month
),

stepped as (
    select
        *,
        -- Started steps: ceil(shortfall / step) in integer hundredths.
        cast({{ idiv(
            'cast(shortfall_pct * 100 as integer) + cast(step_pct * 100 as integer) - 1',
            'cast(step_pct * 100 as integer)'
        ) }} as integer) as steps
    from verdicts
),

capped as (
    select
        *,
        -- least() skips nulls: without a verdict there is no penalty, not the cap.
        cast(case
            when steps is not null then least(cap_pct, steps * share_per_step_pct)
        end as decimal(5, 2)) as penalty_pct
    from stepped
)

select
    service_id,
    month,
    area,
    sla_target_pct,
    availability_rounded,
    availability_display,
    sla_met,
    shortfall_pct,
    step_pct,
    steps,
    share_per_step_pct,
    cap_pct,
    penalty_pct,
    monthly_fee,
    -- To øre, half up (never negative, so half away from zero is half up).
    cast(round(monthly_fee * penalty_pct * 0.01, 2) as decimal(14, 2)) as penalty_amount,
    is_month_to_date
from capped
