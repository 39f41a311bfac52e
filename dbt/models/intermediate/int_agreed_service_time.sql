-- R3: agreed service time per service and month as [start_at, end_at)
-- intervals: the scheduled service time (R2) minus the planned service
-- windows. Late windows (announced after they started) remove nothing.
with

scheduled as (
    select
        service_id,
        month,
        start_at,
        end_at
    from {{ ref('int_scheduled_service_time') }}
),

planned_windows as (
    select
        service_id,
        starts_at as start_at,
        ends_at as end_at
    from {{ ref('int_service_windows') }}
    where is_planned and starts_at < ends_at
),

-- Cut the scheduled intervals at every window boundary ...
pieces as (
    {{ pieces_between_boundaries(['scheduled', 'planned_windows']) }}
),

-- ... and keep the pieces that are scheduled and not inside a planned window.
-- Scheduled intervals of a service are disjoint, so the one starting last at or
-- before a piece is the only one that can hold it (an asof join, linear).
scheduled_pieces as (
    select
        pieces.service_id,
        scheduled.month,
        pieces.start_at,
        pieces.end_at
    from pieces
    {{ interval_join('inner', 'scheduled', 'scheduled',
        'pieces.service_id = scheduled.service_id', 'pieces.start_at') }}
    where pieces.end_at is not null and pieces.start_at < scheduled.end_at
)

select
    service_id,
    month,
    start_at,
    end_at,
    {{ seconds_between('start_at', 'end_at') }} as seconds
from scheduled_pieces
where not exists (
    select 1
    from planned_windows
    where
        planned_windows.service_id = scheduled_pieces.service_id
        and planned_windows.start_at <= scheduled_pieces.start_at
        and planned_windows.end_at > scheduled_pieces.start_at
)
