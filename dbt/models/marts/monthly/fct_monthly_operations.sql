-- R12: per area and Copenhagen month, the distinct production changes deployed
-- and the distinct planned (and late) service windows that started.
with

areas as (
    select area from {{ ref('stg_reference__areas') }}
),

changes as (
    select
        area,
        {{ local_month('deployed_at') }} as month,
        count(distinct change_id) as changes
    from {{ ref('stg_operations__changes') }}
    where environment = 'production'
    group by all
),

-- A window on several services of an area counts once per window_id.
windows as (
    select
        area,
        month,
        count(distinct window_id) filter (where is_planned) as service_windows,
        count(distinct window_id) filter (where not is_planned) as late_service_windows
    from {{ ref('int_service_windows') }}
    group by area, month
)

select
    areas.area,
    months.month,
    coalesce(changes.changes, 0) as changes,
    coalesce(windows.service_windows, 0) as service_windows,
    coalesce(windows.late_service_windows, 0) as late_service_windows
from areas
cross join {{ ref('int_report_months') }} as months
left join changes
    on areas.area = changes.area and months.month = changes.month
left join windows
    on areas.area = windows.area and months.month = windows.month
