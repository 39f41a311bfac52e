{#- R4's majority vote, in the hours of a service that are not one 60-minute up block
    (int_probe_status_blocks): the CTE `runs`, one row per run of one vote within an
    hour (service_id, hour_index, run_code d/g/u or '.' for unknown minutes,
    run_offset: its first minute in the hour, run_minutes), from the model's CTEs
    `probe_hours` (per probe and hour, the masks known, down, bad) and `hours`
    (is_whole_up). Followed by a comma: more CTEs come after it. -#}
{% macro vote_runs() -%}
    {{ return(adapter.dispatch('vote_runs')()) }}
{%- endmacro %}

{#- DuckDB: row by row over the few vote hours' lists, no row per minute. -#}
{% macro default__vote_runs() -%}
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

run_structs as (
    select
        service_id,
        hour_index,
        unnest(
            list_transform(
                generate_series(1, len(runs)),
                lambda i: struct_pack(
                    run_code := runs[i][1],
                    run_minutes := length(runs[i]),
                    -- list_sum gives a HUGEINT, and the blocks' hash and asof joins are
                    -- faster on an INTEGER (the model 2.5 s -> 2.1 s at 200 services).
                    run_offset := coalesce(
                        list_sum(list_transform(runs[1:i - 1], lambda r: length(r))), 0
                    )::integer
                )
            )
        ) as run
    from hour_runs
),

runs as (
    select
        service_id,
        hour_index,
        run.run_code,
        run.run_minutes,
        run.run_offset
    from run_structs
),
{%- endmacro %}

{#- Spark: a row per minute of the few vote hours, its vote from the probes' bits, and
    the runs as islands of equal votes (minute less its rank among equal votes). -#}
{% macro spark__vote_runs() -%}
vote_minutes as (
    select
        probe_hours.service_id,
        probe_hours.hour_index,
        minutes.minute,
        sum((probe_hours.known >> minutes.minute) & 1) as reporting,
        2 * sum((probe_hours.down >> minutes.minute) & 1) as down_twice,
        2 * sum((probe_hours.bad >> minutes.minute) & 1) as bad_twice
    from probe_hours
    left semi join hours
        on
            probe_hours.service_id = hours.service_id
            and probe_hours.hour_index = hours.hour_index
            and not hours.is_whole_up
    cross join (select explode(sequence(0, 59)) as minute) as minutes
    group by probe_hours.service_id, probe_hours.hour_index, minutes.minute
),

minute_votes as (
    select
        service_id,
        hour_index,
        minute,
        case
            when down_twice > reporting then 'd'
            when bad_twice > reporting then 'g'
            when reporting > 0 then 'u'
            else '.'
        end as run_code
    from vote_minutes
),

runs as (
    select
        service_id,
        hour_index,
        run_code,
        count(*) as run_minutes,
        min(minute) as run_offset
    from (
        select
            *,
            minute - row_number() over (
                partition by service_id, hour_index, run_code order by minute
            ) as island
        from minute_votes
    ) as islands
    group by service_id, hour_index, run_code, island
),
{%- endmacro %}

{#- Each run start (CTE run_starts: service_id, status, start_minute) with the end of
    its run (CTE run_ends: end_minute), the first run end after it: runs of one
    service and status never overlap. -#}
{% macro runs_with_their_ends() -%}
    {{ return(adapter.dispatch('runs_with_their_ends')()) }}
{%- endmacro %}

{#- DuckDB: one asof join over the runs' ends, no sort. -#}
{% macro default__runs_with_their_ends() -%}
    select
        run_starts.service_id,
        run_starts.status,
        run_starts.start_minute,
        run_ends.end_minute
    from run_starts
    asof join run_ends
        on
            run_starts.service_id = run_ends.service_id
            and run_starts.status = run_ends.status
            and run_starts.start_minute < run_ends.end_minute
{%- endmacro %}

{#- Spark has no asof join: the n-th start of a service and status ends at its n-th end. -#}
{% macro spark__runs_with_their_ends() -%}
    select
        service_id,
        status,
        starts.start_minute,
        ends.end_minute
    from (
        select
            *,
            row_number() over (partition by service_id, status order by start_minute) as run
        from run_starts
    ) as starts
    inner join (
        select
            *,
            row_number() over (partition by service_id, status order by end_minute) as run
        from run_ends
    ) as ends using (service_id, status, run)
{%- endmacro %}
