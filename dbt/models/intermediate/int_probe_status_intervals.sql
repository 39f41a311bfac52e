-- R4: each service's probe status as runs of equal status, [start_at, end_at)
-- intervals, so nothing downstream works minute by minute.
--
-- Scale: the checks come folded into per-probe hour masks (int_probe_hours). An
-- hour where every minute is known and no probe said anything but up (nearly
-- all of them) is one 60-minute up block; only the other hours (an outage, a
-- gap: a few a day) get the majority vote minute by minute, as a 60-character
-- string per hour whose runs of one character are the blocks. Adjacent blocks
-- of one status then merge into runs, found with hash joins (where runs start
-- and end) and one asof join over the runs: no minute is ever stored, and the
-- blocks (about one per service and hour) are never sorted.
with

probe_hours as (
    select
        service_id,
        probe_id,
        epoch_us(hour_start) // 3600000000 as hour_index,
        known_mask as known,
        down_mask as down,
        bad_mask as bad
    from {{ ref('int_probe_hours') }}
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

-- The hours that are not one up block: their probes' masks side by side.
vote_hours as (
    select
        probe_hours.service_id,
        probe_hours.hour_index,
        list(probe_hours.known) as known,
        list(probe_hours.down) as down,
        list(probe_hours.bad) as bad
    from probe_hours
    semi join hours
        on
            probe_hours.service_id = hours.service_id
            and probe_hours.hour_index = hours.hour_index
            and not hours.is_whole_up
    group by probe_hours.service_id, probe_hours.hour_index
),

-- R4's vote in each minute of such an hour, written as one character per minute:
-- d(own), g (degraded), u(p), or '.' where no probe reported (unknown). Row by row
-- over a few lists: no group per minute, no minute stored. Per minute, the probes
-- reporting, twice those saying down, and twice those saying down or degraded;
-- the shifts stay UBIGINT (a BIGINT minute would make them HUGEINT, slower).
minute_counts as (
    select
        service_id,
        hour_index,
        list_transform(
            range(60)::ubigint[],
            lambda m: [
                len(list_filter(known, lambda x: (x >> m) & 1::ubigint = 1::ubigint)),
                2 * len(list_filter(down, lambda x: (x >> m) & 1::ubigint = 1::ubigint)),
                2 * len(list_filter(bad, lambda x: (x >> m) & 1::ubigint = 1::ubigint))
            ]
        ) as counts
    from vote_hours
),

hour_strings as (
    select
        service_id,
        hour_index,
        array_to_string(
            list_transform(
                counts,
                lambda c: case
                    when c[2] > c[1] then 'd'
                    when c[3] > c[1] then 'g'
                    when c[1] > 0 then 'u'
                    else '.'
                end
            ),
            ''
        ) as minutes
    from minute_counts
),

-- The hour's runs of one character, in order, each with its first minute.
hour_runs as (
    select
        service_id,
        hour_index,
        regexp_extract_all(minutes, 'u+|d+|g+|[.]+') as runs
    from hour_strings
),

runs as (
    select
        service_id,
        hour_index,
        unnest(
            list_transform(
                generate_series(1, len(runs)),
                lambda i: struct_pack(
                    run_code := runs[i][1],
                    run_minutes := length(runs[i]),
                    run_offset := coalesce(
                        list_sum(list_transform(runs[1:i - 1], lambda r: length(r))), 0
                    )
                )
            )
        ) as run
    from hour_runs
),

-- Referenced three times: computed once.
blocks as materialized (
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
        case run.run_code when 'd' then 'down' when 'g' then 'degraded' else 'up' end as status,
        hour_index * 60 + run.run_offset as start_minute,
        run.run_minutes as minutes
    from runs
    -- A minute no probe reported is unknown: no block, a gap between runs.
    where run.run_code != '.'
),

-- A run starts at a block that no block of its status ends at, and ends at a block
-- end that no block of its status starts at (blocks of one service and status never
-- overlap).
run_starts as (
    select
        blocks.service_id,
        blocks.status,
        blocks.start_minute
    from blocks
    anti join blocks as earlier_block
        on
            blocks.service_id = earlier_block.service_id
            and blocks.status = earlier_block.status
            and blocks.start_minute = earlier_block.start_minute + earlier_block.minutes
),

run_ends as (
    select
        blocks.service_id,
        blocks.status,
        blocks.start_minute + blocks.minutes as end_minute
    from blocks
    anti join blocks as later_block
        on
            blocks.service_id = later_block.service_id
            and blocks.status = later_block.status
            and blocks.start_minute + blocks.minutes = later_block.start_minute
),

-- Each run ends at the first run end after its start.
measured_runs as (
    select
        run_starts.service_id,
        run_starts.status,
        to_timestamp(run_starts.start_minute * 60) as start_at,
        to_timestamp(run_ends.end_minute * 60) as end_at,
        (run_ends.end_minute - run_starts.start_minute)::bigint as minutes
    from run_starts
    asof join run_ends
        on
            run_starts.service_id = run_ends.service_id
            and run_starts.status = run_ends.status
            and run_starts.start_minute < run_ends.end_minute
)

-- Probes that check a service id check every report row measured as it (its
-- service-time classes, R2); probes that check a class, that class.
select
    services.service_id,
    measured_runs.status,
    measured_runs.start_at,
    measured_runs.end_at,
    measured_runs.minutes
from measured_runs
inner join {{ ref('stg_reference__services') }} as services
    on {{ feed_concerns('measured_runs.service_id') }}
