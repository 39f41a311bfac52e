-- R4: runs of consecutive minutes with the same status, as [start_at, end_at)
-- intervals, so nothing downstream works minute by minute (gaps and islands:
-- within a run, minute index minus row number is constant).
with

numbered as (
    select
        service_id,
        status,
        minute_start,
        epoch_us(minute_start) // 60000000
        - row_number() over (
            partition by service_id, status order by minute_start
        ) as run_key
    from {{ ref('int_probe_minute_status') }}
)

select
    service_id,
    status,
    min(minute_start) as start_at,
    max(minute_start) + interval 1 minute as end_at,
    count(*) as minutes
from numbered
group by service_id, status, run_key
