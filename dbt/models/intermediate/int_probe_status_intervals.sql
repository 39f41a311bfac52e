-- R4: each service's probe status as runs of equal status, [start_at, end_at)
-- intervals, so nothing downstream works minute by minute.
--
-- Scale: checks are folded into hours in one pass. Per service, probe and UTC
-- hour, three 60-bit masks say in which minutes the probe reported, reported
-- down, and reported down or degraded: the worst check per probe and minute,
-- as bits. An hour where every minute is known and no probe said anything but
-- up (nearly all of them) is one 60-minute up block; only the other hours (an
-- outage, a gap: a few a day) are split into minutes for the majority vote.
-- Adjacent blocks of one status then merge into runs: gaps and islands over
-- the blocks, where within a run the start minus the minutes of the blocks
-- before it is constant. No minute is ever stored or sorted.
with

checks as (
    select
        service_id,
        probe_id,
        status,
        -- Integer maths: calendar functions on a TIMESTAMPTZ are far slower.
        epoch_us(minute_start) // 60000000 as minute_index
    from {{ ref('stg_monitoring__probe_checks') }}
    -- Only the months being built (all without a window). On the stored instant,
    -- so the scan skips other months' row groups; months begin on whole minutes.
    where {{ instant_in_build_window('checked_at') }}
),

probe_hours as materialized (
    select
        service_id,
        probe_id,
        minute_index // 60 as hour_index,
        bit_or(1::ubigint << (minute_index % 60)) as known,
        bit_or(case when status = 'down' then 1::ubigint << (minute_index % 60) else 0 end) as down,
        bit_or(
            case
                when status in ('down', 'degraded') then 1::ubigint << (minute_index % 60) else 0
            end
        ) as bad
    from checks
    group by service_id, probe_id, minute_index // 60
),

hours as materialized (
    select
        service_id,
        hour_index,
        -- 2^60 - 1: every minute of the hour.
        bit_or(known) = 1152921504606846975 and bit_or(bad) = 0 as is_whole_up
    from probe_hours
    group by service_id, hour_index
),

-- The hours that are not one up block, minute by minute, with the vote of R4.
votes as (
    select
        probe_hours.service_id,
        probe_hours.hour_index * 60 + hour_minutes.minute_of_hour as minute_index,
        count(*) filter (where (probe_hours.known >> hour_minutes.minute_of_hour) & 1 = 1)
            as probes_reporting,
        count(*) filter (where (probe_hours.down >> hour_minutes.minute_of_hour) & 1 = 1)
            as probes_down,
        count(*) filter (where (probe_hours.bad >> hour_minutes.minute_of_hour) & 1 = 1)
            as probes_down_or_degraded
    from probe_hours
    inner join hours
        on
            probe_hours.service_id = hours.service_id
            and probe_hours.hour_index = hours.hour_index
    cross join range(60) as hour_minutes (minute_of_hour)
    where not hours.is_whole_up
    group by probe_hours.service_id, probe_hours.hour_index, hour_minutes.minute_of_hour
),

blocks as (
    select
        service_id,
        'up' as status,
        hour_index * 60 as start_minute,
        60 as minutes
    from hours
    where is_whole_up
    union all
    select
        service_id,
        case
            when probes_down * 2 > probes_reporting then 'down'
            when probes_down_or_degraded * 2 > probes_reporting then 'degraded'
            else 'up'
        end as status,
        minute_index as start_minute,
        1 as minutes
    from votes
    -- A minute no probe reported is unknown: no block, a gap between runs.
    where probes_reporting > 0
),

keyed as (
    select
        service_id,
        status,
        start_minute,
        minutes,
        start_minute - coalesce(sum(minutes) over (
            partition by service_id, status order by start_minute
            rows between unbounded preceding and 1 preceding
        ), 0) as run_key
    from blocks
)

select
    service_id,
    status,
    to_timestamp(min(start_minute) * 60) as start_at,
    to_timestamp(max(start_minute + minutes) * 60) as end_at,
    sum(minutes)::bigint as minutes
from keyed
group by service_id, status, run_key
