-- R4, second step: each report row's majority vote per UTC hour, merged into blocks:
-- runs of one status within a Copenhagen month, [start_at, end_at).
--
-- An hour where every minute is known and no probe said anything but up (nearly
-- all of them) is one 60-minute up piece; only the other hours (an outage, a gap:
-- a few a day) get the vote of each minute, all 60 at once on the probes' masks
-- (dbt/macros/probe_vote.sql), whose runs of one status are that hour's pieces.
-- A minute no probe reported is no piece: unknown. Adjacent pieces of one status
-- merge within their month, so that a month is kept on its own;
-- int_probe_status_intervals merges the blocks across months into runs.
--
-- On DuckDB the table keeps every month voted so far, as int_probe_hours keeps its
-- hours: each month is voted again only when its hours were folded again or the
-- vote's code changed (dbt/macros/probe_fold.sql); the readers take the months
-- being built.
{{ config(
    materialized=probe_fold_materialization(),
    on_schema_change='append_new_columns',
) }}
{%- set plan = probe_vote_plan() %}

with

-- The hours of the months being built, each with the report rows its service id
-- concerns (R2: a system's probes check every service-time class measured as it).
feed_hours as {{ not_materialized() }} (
    select
        hours.report_service_id as service_id,
        hours.is_class,
        hours.probe_id,
        {{ idiv(instant_us('hours.hour_start'), 3600000000) }} as hour_index,
        hours.known_mask as known,
        hours.down_mask as down,
        hours.bad_mask as bad
    from {{ with_report_rows(ref('int_probe_hours')) }} as hours
    where
        {{ instant_in_build_window('hours.hour_start') }}
        and {{ in_folded_months(plan, 'hours.hour_start') }}
),

-- Per report row, probe and hour. A class hears its system's id and its own, so one
-- probe may report for it under both: one probe still, its worst check per minute
-- (R4), so its masks are or-ed. A row measured as itself hears one id: no grouping.
-- Read by `hours` and by the vote, each time from the table: held between them it
-- would be written out whole (1.4 s to 1.1-1.2 s at 200 services x 2 probes, 18 s to
-- 14 s at 1,000 x 3, where it spilled to disk).
probe_hours as {{ not_materialized() }} (
    select
        service_id,
        probe_id,
        hour_index,
        known,
        down,
        bad
    from feed_hours
    where not is_class
    union all
    select
        service_id,
        probe_id,
        hour_index,
        bit_or(known) as known,
        bit_or(down) as down,
        bit_or(bad) as bad
    from feed_hours
    where is_class
    group by service_id, probe_id, hour_index
),

hours as {{ materialized() }} (
    select
        service_id,
        hour_index,
        -- 2^60 - 1: every minute of the hour.
        bit_or(known) = 1152921504606846975 and bit_or(bad) = 0 as is_whole_up,
        count(*) as probes
    from probe_hours
    group by service_id, hour_index
),

-- R4's vote in the hours that are not one up block, as runs of one status within
-- the hour: `runs` (dbt/macros/probe_vote.sql).
{{ vote_runs() }}

pieces as {{ materialized() }} (
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
    -- A minute no probe reported is unknown: no piece, a gap between runs.
    where run_code != '.'
),

-- Pieces of one status merge where one ends at the next, but not across the start of
-- a Copenhagen month: the blocks (dbt/macros/probe_vote.sql).
{{ run_bounds('pieces', plan, cut_at_months=true) }}

select
    service_id,
    status,
    {{ instant_from_seconds('start_minute * 60') }} as start_at,
    {{ instant_from_seconds('end_minute * 60') }} as end_at,
    {{ fold_fingerprint(plan, instant_from_seconds('start_minute * 60')) }} as raw_inputs
from ({{ runs_with_their_ends() }}) as blocks
