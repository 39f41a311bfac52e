-- The floor: fct_monthly_availability computed from the landing files in one
-- hand-written DuckDB script, the fastest honest way we know to get the same
-- figures: no loading, no audit, no checks, no intervals. benchmarks/pipeline.py
-- times it against the pipeline on the same files and checks that both agree.
--
-- The algorithm is the hour-mask fold: one pass over the checks groups them per
-- service, probe and UTC hour into 60-bit masks of the minutes the probe
-- reported, reported down, and reported down or degraded (R4's worst check per
-- probe and minute, as bits). An hour where every minute is known and no probe
-- said anything but up counts 60 known minutes straight away; only the few other
-- hours get the majority vote, by bit operations on the masks (as the pipeline
-- votes: no row and no lambda per minute).
-- Copenhagen months begin on whole UTC hours, so hours place minutes in months.
--
-- It covers what the scaled sample lands (`driftsstatus sample --services N`):
-- probe checks only, 24x7 services, no windows or incidents. The benchmark
-- substitutes {checks} (a read_parquet / read_csv call) and {reference} (the
-- reference data folder).
set TimeZone = 'UTC';

-- R4's vote of three or more probes, as the pipeline's (dbt/macros/probe_vote.sql): a
-- UBIGINT holds four minutes, one 16-bit lane each. `lanes`: minutes 4k .. 4k + 3 of a
-- mask, 1 in their lanes where the bit is set (the bits copied into every lane, each
-- keeping its own, which adding 0x7fff carries into the lane's top bit); summed over
-- the probes, the lanes count them. `greater`: each lane's top bit where lane a > lane b
-- (0x8000 + a - (b + 1) never borrows from the next lane). `minutes`: those top bits
-- as minutes 4k .. 4k + 3 of a mask.
create or replace temp macro lanes(mask, k) as
    ((((((mask >> (4 * k)::ubigint) & 15::ubigint) * 281479271743489::ubigint)
    & 2251816993685505::ubigint) + 9223231297218904063::ubigint) >> 15::ubigint)
    & 281479271743489::ubigint;
create or replace temp macro greater(a, b) as
    ((a | 9223512776490647552::ubigint) - (b + 281479271743489::ubigint))
    & 9223512776490647552::ubigint;
create or replace temp macro minutes(top_bits, k) as
    ((((top_bits >> 15::ubigint) & 1::ubigint) | ((top_bits >> 30::ubigint) & 2::ubigint)
    | ((top_bits >> 45::ubigint) & 4::ubigint) | ((top_bits >> 60::ubigint) & 8::ubigint))
    << (4 * k)::ubigint);
-- The minutes where count i of `sums` (15 chunks of [reporting, down, bad] lane sums)
-- exceeds those reporting less it (for i = 1: where any probe reported).
create or replace temp macro voted(sums, i) as list_reduce(
    list_transform(
        range(15), lambda k: minutes(greater(sums[k + 1][i], sums[k + 1][1] - sums[k + 1][i]), k)
    ),
    lambda a, b: a | b
);

create or replace table floor_availability as
with

probe_hours as materialized (
    select
        service_id,
        probe_id,
        minute // 60 as hour,
        bit_or(bit) as known,
        coalesce(bit_or(bit) filter (where status = 'down'), 0::ubigint) as down,
        coalesce(bit_or(bit) filter (where status != 'up'), 0::ubigint) as bad
    from (
        select
            service_id,
            probe_id,
            status,
            epoch_us(checked_at) // 60000000 as minute,
            -- The shift in UBIGINT: by a BIGINT, DuckDB shifts in HUGEINT (10 % slower).
            1::ubigint << (minute % 60)::ubigint as bit
        from {checks}
    )
    group by all
),

service_hours as (
    select
        service_id,
        hour,
        -- 2^60 - 1: every minute of the hour.
        bit_or(known) = 1152921504606846975 and bit_or(bad) = 0 as whole_up
    from probe_hours
    group by all
),

-- R4 in the other hours: a minute's status is the majority of the probes reporting.
-- Of one or two probes that is all of those reporting: bit operations on the hour's
-- masks (down where every reporting probe said down, and so on); of more, the lanes
-- above.
vote_hours as (
    select
        p.service_id,
        p.hour,
        count(*) as probes,
        bit_or(p.known) as known_votes,
        bit_and(p.down | ~p.known) & bit_or(p.known) as down_votes,
        bit_and(p.bad | ~p.known) & bit_or(p.known) as bad_votes,
        list(p.known) as knowns,
        list(p.down) as downs,
        list(p.bad) as bads
    from probe_hours as p
    semi join service_hours as s
        on p.service_id = s.service_id and p.hour = s.hour and not s.whole_up
    group by all
),

-- Of more: per chunk of four minutes the lanes' sums of the probes reporting, saying
-- down, saying down or degraded; a majority where twice the count exceeds those
-- reporting (count > reporting - count).
lane_sums as (
    select
        service_id,
        hour,
        list_transform(
            range(15),
            lambda k: [
                list_sum(list_transform(knowns, lambda x: lanes(x, k)))::ubigint,
                list_sum(list_transform(downs, lambda x: lanes(x, k)))::ubigint,
                list_sum(list_transform(bads, lambda x: lanes(x, k)))::ubigint
            ]
        ) as sums
    from vote_hours
    where probes > 2
),

lane_votes as (
    select
        service_id,
        hour,
        voted(sums, 1) as known_votes,
        voted(sums, 2) as down_votes,
        voted(sums, 3) as bad_votes
    from lane_sums
),

votes as (
    select service_id, hour, known_votes, down_votes, bad_votes
    from vote_hours
    where probes <= 2
    union all
    select * from lane_votes
),

hours as (
    select service_id, hour, 60 as known_minutes, 0 as down_minutes, 0 as degraded_minutes
    from service_hours
    where whole_up
    union all
    select
        service_id,
        hour,
        bit_count(known_votes),
        bit_count(down_votes),
        bit_count(bad_votes & ~down_votes)
    from votes
),

-- R1: an hour's Copenhagen month, once per hour rather than once per service-hour.
hour_months as (
    select
        hour,
        date_trunc('month', timezone('Europe/Copenhagen', to_timestamp(hour * 3600)))::date
            as month
    from (select distinct hour from hours)
),

by_month as (
    select
        hours.service_id,
        hour_months.month,
        sum(hours.known_minutes) * 60 as known_seconds,
        sum(hours.down_minutes) * 60 as red_seconds,
        sum(hours.degraded_minutes) * 60 as yellow_seconds
    from hours
    inner join hour_months using (hour)
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
        from hour_months
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
