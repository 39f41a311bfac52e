-- R3/R12: service windows with their area and the Copenhagen month they start
-- in: the landed ones and the occurrences of recurring ones. A window is planned
-- only if announced no later than it started; a late one is listed but does not
-- remove service time (no retroactive hiding).
with

windows as (
    select
        window_id,
        service_id,
        starts_at,
        ends_at,
        announced_at,
        description
    from {{ ref('stg_operations__service_windows') }}
    union all
    select
        window_id,
        service_id,
        starts_at,
        ends_at,
        announced_at,
        description
    from {{ ref('int_recurring_window_occurrences') }}
)

-- A window on a service id is a window of every report row measured as it (its
-- service-time classes, R2); one naming a class, of that class. Once each.
select distinct
    windows.window_id,
    services.service_id,
    services.area,
    windows.starts_at,
    windows.ends_at,
    windows.announced_at,
    windows.description,
    windows.announced_at <= windows.starts_at as is_planned,
    {{ local_month('windows.starts_at') }} as month
from windows
inner join {{ services_by_feed() }} as services
    on windows.service_id = services.feed_service_id
