-- R4, second step: each report row's majority vote per UTC hour, merged into blocks:
-- runs of one status within a Copenhagen month, [start_at, end_at).
--
-- Nearly every hour is up throughout: a probe reported every minute and none said
-- anything but up. Those hours are bits of a 24-bit mask per service and UTC day,
-- and each run of them in a day is one up piece (a few a day, where a piece per hour
-- made 1.5 million pieces at 200 services x 2 probes: the vote 1.2-1.7 s to 0.8-1.0
-- s). Only the other hours (an outage, a gap: a few a day) get the vote of each
-- minute, all 60 at once on the probes' masks (dbt/macros/probe_vote.sql), whose
-- runs of one status are that hour's pieces. A minute no probe reported is no
-- piece: unknown. Adjacent pieces of one status merge within their month, so that
-- a month is kept on its own; int_probe_status_intervals merges the blocks across
-- months into runs.
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
-- Read by `service_days` and by `vote_rows`, each time from the table: held between them it
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

-- Per service and UTC day, 24-bit masks of its hours (bit h: the day's hour h): where
-- some probe reported every minute, where some probe said down or degraded, and where
-- any probe reported. An hour of the first and not the second is up in every minute
-- (each minute known, and no probe said anything else). 74 thousand days group the
-- 3.5 million probe hours of 200 services x 2 probes (their 1.8 million service
-- hours took twice as long).
service_days as {{ materialized() }} (
    select
        service_id,
        {{ idiv('hour_index', 24) }} as day_index,
        -- 2^60 - 1: every minute of the hour.
        coalesce(
            bit_or({{ mask_bit('hour_index % 24') }}) filter (where known = 1152921504606846975),
            0
        ) as full_hours,
        coalesce(bit_or({{ mask_bit('hour_index % 24') }}) filter (where bad != 0), 0)
            as bad_hours,
        bit_or({{ mask_bit('hour_index % 24') }}) as reported_hours
    from probe_hours
    group by service_id, {{ idiv('hour_index', 24) }}
),

-- The probes' masks of the hours that are not up throughout: those R4 votes minute by
-- minute. (An hour whose minutes only the probes together cover, all up, is voted
-- too: up in every minute, one piece as an up hour is.)
vote_rows as {{ materialized() }} (
    select
        probe_hours.service_id,
        probe_hours.probe_id,
        probe_hours.hour_index,
        probe_hours.known,
        probe_hours.down,
        probe_hours.bad
    from probe_hours
    inner join service_days
        on
            probe_hours.service_id = service_days.service_id
            and {{ idiv('probe_hours.hour_index', 24) }} = service_days.day_index
    where
        (
            (
                service_days.reported_hours
                & ~(service_days.full_hours & ~service_days.bad_hours)
            )
            >> {{ mask_shift('probe_hours.hour_index % 24') }}
        ) & 1 = 1
),

vote_hour_probes as (
    select
        service_id,
        hour_index,
        count(*) as probes
    from vote_rows
    group by service_id, hour_index
),

-- With their hour's number of probes (a vote of one or two is simpler).
vote_hours as (
    select
        vote_rows.*,
        vote_hour_probes.probes
    from vote_rows
    inner join vote_hour_probes
        on
            vote_rows.service_id = vote_hour_probes.service_id
            and vote_rows.hour_index = vote_hour_probes.hour_index
),

-- R4's vote in those hours, as runs of one status within the hour: `runs`
-- (dbt/macros/probe_vote.sql).
{{ vote_runs() }}

data_days as (
    select distinct day_index from service_days
),

-- The first hour of a Copenhagen month, by day (a run of up hours stops there: the
-- blocks are kept by month).
month_start_days as (
    select
        data_days.day_index,
        bit_or({{ mask_bit('hours_of_day.hour_of_day') }}) as month_starts
    from data_days
    cross join {{ hours_of_day() }}
    where
        {{ starts_a_month('(data_days.day_index * 24 + hours_of_day.hour_of_day) * 60', plan) }}
    group by data_days.day_index
),

up_days as (
    select
        service_days.service_id,
        service_days.day_index,
        service_days.full_hours & ~service_days.bad_hours as up_hours,
        coalesce(month_start_days.month_starts, 0) as month_starts
    from service_days
    left join month_start_days on service_days.day_index = month_start_days.day_index
    where service_days.full_hours & ~service_days.bad_hours != 0
),

-- A day's runs of up hours, each one piece: a run starts at an up hour after one that
-- is not (or at the day's first hour, or a month's) and stops before the first hour
-- after it that is not up or starts a month (a day's end: bit 24 of ~up_hours).
up_runs as (
    select
        up_days.service_id,
        up_days.day_index * 24 + hours_of_day.hour_of_day as first_hour,
        (~up_days.up_hours | up_days.month_starts)
        >> {{ mask_shift('hours_of_day.hour_of_day + 1') }} as stops
    from up_days
    cross join {{ hours_of_day() }}
    where
        (
            (
                (up_days.up_hours & ~(up_days.up_hours << 1))
                | (up_days.up_hours & up_days.month_starts)
            )
            >> {{ mask_shift('hours_of_day.hour_of_day') }}
        ) & 1 = 1
),

pieces as {{ materialized() }} (
    select
        service_id,
        'up' as status,
        first_hour * 60 as start_minute,
        -- 60 minutes an hour up to the first stop: its trailing zeros, counted as the
        -- bits of its lowest set bit less one.
        60 * (1 + cast(bit_count((stops & ~(stops - 1)) - 1) as integer)) as minutes
    from up_runs
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
