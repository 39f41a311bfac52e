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
        {{ idiv(instant_us('hour_start'), 3600000000) }} as hour_index,
        known_mask as known,
        down_mask as down,
        bad_mask as bad
    from {{ ref('int_probe_hours') }}
    -- It keeps every month folded so far: the months being built.
    where {{ instant_in_build_window('hour_start') }}
),

hours as {{ materialized() }} (
    select
        service_id,
        hour_index,
        -- 2^60 - 1: every minute of the hour.
        bit_or(known) = 1152921504606846975 and bit_or(bad) = 0 as is_whole_up
    from probe_hours
    group by service_id, hour_index
),

-- R4's vote in the hours that are not one up block, as runs of one status within
-- the hour: `runs` (dbt/macros/probe_vote.sql).
{{ vote_runs() }}

-- Referenced three times: computed once.
blocks as {{ materialized() }} (
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
        case run_code when 'd' then 'down' when 'g' then 'degraded' else 'up' end as status,
        hour_index * 60 + run_offset as start_minute,
        run_minutes as minutes
    from runs
    -- A minute no probe reported is unknown: no block, a gap between runs.
    where run_code != '.'
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
    {{ anti_join() }} blocks as earlier_block
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
    {{ anti_join() }} blocks as later_block
        on
            blocks.service_id = later_block.service_id
            and blocks.status = later_block.status
            and blocks.start_minute + blocks.minutes = later_block.start_minute
),

-- Each run ends at the first run end after its start.
measured_runs as (
    select
        service_id,
        status,
        {{ instant_from_seconds('start_minute * 60') }} as start_at,
        {{ instant_from_seconds('end_minute * 60') }} as end_at,
        cast(end_minute - start_minute as bigint) as minutes
    from ({{ runs_with_their_ends() }}) as runs_with_ends
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
