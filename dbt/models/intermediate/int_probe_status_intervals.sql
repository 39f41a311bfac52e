-- R4: each service's probe status as runs of equal status, [start_at, end_at)
-- intervals, so nothing downstream works minute by minute.
--
-- Scale: the vote comes as blocks of one status within a month
-- (int_probe_status_blocks: runs cut at the months' starts, a few per service and
-- day). Adjacent blocks of one status merge into runs, found with hash joins
-- (where runs start and end) and one asof join over the runs: no minute is ever
-- stored, and the blocks are never sorted.
with

-- The blocks of the months being built (the table keeps every month voted so far),
-- in minutes since the epoch: integers for the joins.
blocks as {{ materialized() }} (
    select
        service_id,
        status,
        {{ idiv(instant_us('start_at'), 60000000) }} as start_minute,
        cast({{ idiv(instant_us('end_at') ~ ' - ' ~ instant_us('start_at'), 60000000) }} as integer)
            as minutes
    from {{ ref('int_probe_status_blocks') }}
    where {{ instant_in_build_window('start_at') }}
),

-- Runs of blocks of one status where one ends at the next (dbt/macros/probe_vote.sql).
{{ run_bounds('blocks') }}

-- Each run ends at the first run end after its start.
select
    service_id,
    status,
    {{ instant_from_seconds('start_minute * 60') }} as start_at,
    {{ instant_from_seconds('end_minute * 60') }} as end_at,
    cast(end_minute - start_minute as bigint) as minutes
from ({{ runs_with_their_ends() }}) as runs_with_ends
