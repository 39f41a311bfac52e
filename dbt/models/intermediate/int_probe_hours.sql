-- R4, first step: each probe's checks folded into its UTC hours, in one pass.
--
-- Per service, probe and hour, three 60-bit masks say in which minutes the
-- probe reported, reported down, and reported down or degraded: the worst check
-- per probe and minute, as bits. Hundreds of millions of checks become a few
-- million rows, which the vote (int_probe_status_blocks) and the duplicate
-- check (tests/warn_probe_check_landed_twice.sql: more checks than minutes)
-- read instead of the checks.
--
-- On DuckDB the table keeps every month folded so far and a build folds again
-- only the months whose raw inputs changed (dbt/macros/probe_fold.sql); the
-- readers take the months being built.
{{ config(
    materialized=probe_fold_materialization(),
    on_schema_change='append_new_columns',
) }}
{%- set plan = probe_fold_plan() %}

with

checks as (
    select
        service_id,
        probe_id,
        status,
        -- Integer maths on the instant itself (minute_start is the same minute as a
        -- timestamp): calendar functions on a TIMESTAMPTZ are far slower.
        {{ idiv(instant_us('checked_at'), 60000000) }} as minute_index,
        -- The bit in the mask's own type (mask_bit): a shift in HUGEINT is 10 % of
        -- the fold.
        {{ mask_bit('minute_index % 60') }} as minute_bit
    from {{ ref('stg_monitoring__probe_checks') }}
    -- Only the months being built (all without a window). On the stored instant,
    -- so the scan skips other months' row groups; months begin on whole minutes.
    where
        {{ instant_in_build_window('checked_at') }}
        and {{ in_folded_months(plan, 'checked_at') }}
)

select
    service_id,
    probe_id,
    {{ instant_from_seconds(idiv('minute_index', 60) ~ ' * 3600') }} as hour_start,
    {{ fold_fingerprint(plan, instant_from_seconds(idiv('minute_index', 60) ~ ' * 3600')) }}
        as raw_inputs,
    bit_or(minute_bit) as known_mask,
    coalesce(
        bit_or(minute_bit) filter (where status = 'down'), cast(0 as {{ mask_type() }})
    ) as down_mask,
    coalesce(
        bit_or(minute_bit) filter (where status in ('down', 'degraded')),
        cast(0 as {{ mask_type() }})
    ) as bad_mask,
    count(*) as checks
from checks
group by service_id, probe_id, {{ idiv('minute_index', 60) }}
