-- R2 + R3: agreed service time per service and month as [start_at, end_at)
-- intervals: the month (to T), within the weekly service hours if the service
-- has any (24x7 otherwise), minus planned service windows.
with

services as (
    select
        services.service_id,
        count(hours.service_id) > 0 as has_service_hours
    from {{ ref('services') }} as services
    left join {{ ref('service_hours') }} as hours
        on services.service_id = hours.service_id
    group by services.service_id
),

days as (
    select
        months.month,
        cast(unnest(generate_series(
            cast(months.month as timestamp),
            cast(months.month + interval 1 month - interval 1 day as timestamp),
            interval 1 day
        )) as date) as day
    from {{ ref('int_report_months') }} as months
),

hour_intervals as (
    select
        hours.service_id,
        days.month,
        {{ local_midnight('days.day + hours.start_local') }} as start_at,
        -- Hours ending at or before they start run past midnight.
        {{ local_midnight(
            "days.day + hours.end_local"
            ~ " + case when hours.end_local <= hours.start_local"
            ~ " then interval 1 day else interval 0 day end"
        ) }} as end_at
    from {{ ref('service_hours') }} as hours
    inner join days on isodow(days.day) = hours.iso_weekday
),

base as (
    select
        services.service_id,
        months.month,
        months.month_start_at as start_at,
        months.month_end_at as end_at
    from services
    cross join {{ ref('int_report_months') }} as months
    where not services.has_service_hours
    union all
    select
        hour_intervals.service_id,
        hour_intervals.month,
        greatest(hour_intervals.start_at, months.month_start_at) as start_at,
        least(hour_intervals.end_at, months.month_end_at) as end_at
    from hour_intervals
    inner join {{ ref('int_report_months') }} as months
        on hour_intervals.month = months.month
),

clipped as (
    select * from base
    where start_at < end_at
),

planned_windows as (
    select
        service_id,
        starts_at,
        ends_at
    from {{ ref('int_service_windows') }}
    where is_planned and starts_at < ends_at
),

points as (
    select
        service_id,
        start_at as boundary_at
    from clipped
    union
    select
        service_id,
        end_at
    from clipped
    union
    select
        service_id,
        starts_at
    from planned_windows
    union
    select
        service_id,
        ends_at
    from planned_windows
),

pieces as (
    select
        service_id,
        boundary_at as start_at,
        lead(boundary_at) over (partition by service_id order by boundary_at) as end_at
    from points
)

select
    pieces.service_id,
    clipped.month,
    pieces.start_at,
    pieces.end_at,
    (epoch_us(pieces.end_at) - epoch_us(pieces.start_at)) / 1e6 as seconds
from pieces
inner join clipped
    on
        pieces.service_id = clipped.service_id
        and pieces.start_at >= clipped.start_at
        and pieces.start_at < clipped.end_at
where
    pieces.end_at is not null
    and not exists (
        select 1
        from planned_windows
        where
            planned_windows.service_id = pieces.service_id
            and planned_windows.starts_at <= pieces.start_at
            and planned_windows.ends_at > pieces.start_at
    )
