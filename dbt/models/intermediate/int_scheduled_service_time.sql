-- R2: the service time the agreement schedules, per service and month, as
-- [start_at, end_at) intervals: the whole month (to T) for a 24x7 service, else
-- the weekly service hours (Copenhagen wall-clock, converted day by day so DST
-- is right), clipped to the month, skipping the local days of the holidays the
-- hours are closed on (an interval belongs to the day it starts on), where hours
-- that overlap or meet (two rows of a day, a night's hours running into the next
-- day's) are one interval. Planned windows are removed downstream.
with

months as (
    select
        month,
        month_start_at,
        month_end_at
    from {{ ref('int_report_months') }}
),

hours as (
    select
        service_id,
        iso_weekday,
        start_local,
        end_local,
        closed_on
    from {{ ref('stg_reference__service_hours') }}
),

holidays as (
    select
        day,
        holiday_name,
        category
    from {{ ref('stg_reference__public_holidays') }}
),

services_24x7 as (
    select services.service_id
    from {{ ref('stg_reference__services') }} as services
    where not exists (
        select 1 from hours
        where hours.service_id = services.service_id
    )
),

-- Every local day of the spine, plus the day before it: hours that run past
-- midnight on that day reach into the first month.
local_days as (
    select {{ day_series('first_day', 'last_day') }} as day
    from (
        select
            min(month) - interval 1 day as first_day,
            max(month) + interval 1 month - interval 1 day as last_day
        from months
    ) as span
    where first_day is not null
),

weekly_hours as (
    select
        hours.service_id,
        {{ wall_clock_instant(
            local_wall_clock('local_days.day', 'hours.start_local')
        ) }} as start_at,
        -- Hours ending at or before they start run past midnight.
        {{ wall_clock_instant(
            local_wall_clock('local_days.day', 'hours.end_local')
            ~ ' + case when hours.end_local <= hours.start_local'
            ~ ' then interval 1 day else interval 0 day end'
        ) }} as end_at
    from hours
    inner join local_days on {{ iso_weekday('local_days.day') }} = hours.iso_weekday
    where not exists (
        select 1 from holidays
        where
            holidays.day = local_days.day
            and (
                {{ list_has('hours.closed_on', 'holidays.holiday_name') }}
                or (holidays.category = 'public' and {{ list_has('hours.closed_on', "'public'") }})
            )
    )
),

whole_months as (
    select
        services_24x7.service_id,
        months.month,
        months.month_start_at as start_at,
        months.month_end_at as end_at
    from services_24x7
    cross join months
),

-- An hours interval crossing a month boundary is split at it (R7).
hours_in_months as (
    select
        weekly_hours.service_id,
        months.month,
        greatest(weekly_hours.start_at, months.month_start_at) as start_at,
        least(weekly_hours.end_at, months.month_end_at) as end_at
    from weekly_hours
    inner join months
        on
            weekly_hours.start_at < months.month_end_at
            and weekly_hours.end_at > months.month_start_at
),

scheduled as (
    select
        service_id,
        month,
        start_at,
        end_at
    from whole_months
    union all
    select
        service_id,
        month,
        start_at,
        end_at
    from hours_in_months
    where start_at < end_at
),

-- Stretches that overlap or meet are one (R2: a second is agreed service time when
-- any of the service's hours hold it): a stretch joins the one before it unless it
-- starts after every earlier stretch of its service and month has ended.
reached as (
    select
        service_id,
        month,
        start_at,
        end_at,
        max(end_at) over (
            partition by service_id, month
            order by start_at, end_at
            rows between unbounded preceding and 1 preceding
        ) as reached_at
    from scheduled
),

stretches as (
    select
        service_id,
        month,
        start_at,
        end_at,
        sum(case when reached_at >= start_at then 0 else 1 end) over (
            partition by service_id, month
            order by start_at, end_at
            rows unbounded preceding
        ) as stretch
    from reached
),

merged as (
    select
        service_id,
        month,
        min(start_at) as start_at,
        max(end_at) as end_at
    from stretches
    group by service_id, month, stretch
)

select
    service_id,
    month,
    start_at,
    end_at,
    {{ seconds_between('start_at', 'end_at') }} as seconds
from merged
