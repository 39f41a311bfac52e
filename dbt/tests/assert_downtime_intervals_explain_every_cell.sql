{{ config(meta={'dagster': {'ref': {'name': 'fct_downtime_intervals'}}}) }}
-- The explanations add up: per service and month, the downtime contributions
-- in fct_downtime_intervals sum to the cell's downtime_seconds.
with

explained as (
    select
        service_id,
        month,
        sum(downtime_seconds) as downtime_seconds
    from {{ ref('fct_downtime_intervals') }}
    group by service_id, month
)

select
    cells.service_id,
    cells.month,
    cells.downtime_seconds,
    coalesce(explained.downtime_seconds, 0) as explained_seconds
from {{ ref('fct_monthly_availability') }} as cells
left join explained
    on
        cells.service_id = explained.service_id
        and cells.month = explained.month
where abs(cells.downtime_seconds - coalesce(explained.downtime_seconds, 0)) > 1e-6
