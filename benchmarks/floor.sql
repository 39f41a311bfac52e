-- The floor: fct_monthly_availability computed from the landing files in one
-- hand-written DuckDB script, with nothing the numbers do not need (no loading,
-- no audit, no checks, no intervals). benchmarks/pipeline.py times it against
-- the pipeline on the same files and checks that both agree.
--
-- It covers what the scaled sample lands (`driftsstatus sample --services N`):
-- probe checks only, 24x7 services, no windows or incidents. The benchmark
-- substitutes {checks} (a read_parquet / read_csv call) and {reference} (the
-- reference data folder).
set TimeZone = 'UTC';

create or replace table floor_availability as
with

-- R4: a probe's worst check per minute ...
probe_minutes as (
    select
        service_id,
        probe_id,
        epoch(checked_at)::bigint // 60 as minute,
        max(case status when 'down' then 2 when 'degraded' then 1 else 0 end) as worst
    from {checks}
    group by all
),

-- ... the service's majority per minute, counted per UTC hour at once: Copenhagen
-- months begin on whole UTC hours, so hours place minutes in months.
service_minutes as (
    select
        service_id,
        minute // 60 as hour,
        count(*) filter (where worst = 2) * 2 > count(*) as is_down,
        not is_down and count(*) filter (where worst >= 1) * 2 > count(*) as is_degraded
    from probe_minutes
    group by service_id, minute
),

hours as (
    select
        service_id,
        hour,
        count(*) as known_minutes,
        count(*) filter (where is_down) as down_minutes,
        count(*) filter (where is_degraded) as degraded_minutes
    from service_minutes
    group by all
),

by_month as (
    select
        service_id,
        date_trunc('month', timezone('Europe/Copenhagen', to_timestamp(hour * 3600)))::date
            as month,
        sum(known_minutes) * 60 as known_seconds,
        sum(down_minutes) * 60 as red_seconds,
        sum(degraded_minutes) * 60 as yellow_seconds
    from hours
    group by all
),

-- R1: the months the data spans, in real elapsed seconds; every service in each.
months as (
    select
        month,
        epoch(timezone('Europe/Copenhagen', (month + interval 1 month)::timestamp))
        - epoch(timezone('Europe/Copenhagen', month::timestamp)) as service_seconds
    from (
        select unnest(generate_series(min(month), max(month), interval 1 month))::date as month
        from by_month
    )
),

services as (
    select * from read_csv('{reference}/services.csv', header = true)
),

targets as (
    select * from read_csv(
        '{reference}/sla_targets.csv',
        header = true,
        columns = {
            'service_id': 'varchar', 'target_pct': 'decimal(5,2)',
            'valid_from': 'date', 'valid_to': 'date'
        }
    )
),

-- R5, R7, R8: red minutes weigh 1, degraded minutes the service's degraded impact.
cells as (
    select
        services.service_id,
        months.month,
        months.service_seconds,
        coalesce(by_month.red_seconds, 0) as red_seconds,
        coalesce(by_month.yellow_seconds, 0) as yellow_seconds,
        red_seconds + yellow_seconds * services.degraded_impact as downtime_seconds,
        coalesce(by_month.known_seconds, 0) / months.service_seconds as probe_coverage,
        100 * (1 - downtime_seconds / months.service_seconds) as availability_pct,
        round(availability_pct::decimal(18, 12), 2)::decimal(5, 2) as availability_rounded,
        targets.target_pct as sla_target_pct
    from services
    cross join months
    left join by_month using (service_id, month)
    left join targets
        on
            services.service_id = targets.service_id
            and months.month >= targets.valid_from
            and (targets.valid_to is null or months.month <= targets.valid_to)
)

-- R8-R10.
select
    service_id,
    month,
    service_seconds,
    0 as excluded_seconds,
    downtime_seconds,
    red_seconds,
    yellow_seconds,
    probe_coverage,
    (100 - sla_target_pct) * service_seconds / 100 - downtime_seconds as error_budget_seconds,
    availability_pct,
    replace(availability_rounded::varchar, '.', ',') || '%' as availability_display,
    sla_target_pct,
    availability_rounded >= sla_target_pct as sla_met,
    case
        when availability_rounded >= sla_target_pct then 'green'
        when red_seconds >= downtime_seconds - red_seconds then 'red'
        else 'yellow'
    end as status_colour
from cells;
