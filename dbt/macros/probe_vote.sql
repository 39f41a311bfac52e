{#- R4's majority vote, in the hours of a service that are not up throughout
    (int_probe_status_blocks): the CTE `runs`, one row per run of one vote within an
    hour (service_id, hour_index, run_code d/g/u or '.' for unknown minutes,
    run_offset: its first minute in the hour, run_minutes), from the model's CTE
    `vote_hours` (per probe and hour voted, the masks known, down, bad, and the hour's
    number of probes). Followed by a comma: more CTEs come after it. -#}
{% macro vote_runs() -%}
    {{ return(adapter.dispatch('vote_runs')()) }}
{%- endmacro %}

{#- DuckDB: the vote of all 60 minutes at once, as 60-bit masks: no row and no lambda
    per minute. Of one or two probes, a majority of those reporting is all of them:
    bit operations over the probes' masks. Of more, a UBIGINT holds four minutes,
    one 16-bit lane each (vote_lanes below): summed over the hour's probes, the lanes
    count per minute the probes that reported, said down, said down or degraded (up
    to 32,767 probes: more fail the build), compared lane by lane (lanes_greater).
    The runs are read off the masks where a vote starts. At 200 services x 2 probes
    the table took 1.1 s of a full build, 1.7 s with the vote written out minute by
    minute as a string (a list of probe masks filtered 180 times an hour). -#}
{% macro default__vote_runs() -%}
    {%- set lanes = votes_of_more_than_two_probes() -%}
-- Of one or two probes: the minutes where all the probes reporting said down, said
-- down or degraded, and where any reported.
pair_votes as (
    select
        service_id,
        hour_index,
        bit_and(down | ~known) & bit_or(known) as down_votes,
        bit_and(bad | ~known) & bit_or(known) as bad_votes,
        bit_or(known) as known_votes
    from vote_hours
    {%- if lanes %}
    where probes <= 2
    {%- else %}
    -- The lanes below are left out: an hour of more probes fails the build.
    where
        case
            when probes > 2
                then error('R4: more than two probes in an hour the vote has no lanes for')
            else true
        end
    {%- endif %}
    group by service_id, hour_index
),
{% if lanes %}
-- Of more: per minute, the probes reporting, saying down, saying down or degraded,
-- as fifteen UBIGINTs of four 16-bit lanes.
vote_counts as (
    select
        service_id,
        hour_index,
        {{ vote_lane_sums() }},
        count(*) as probes
    from vote_hours
    where probes > 2
    group by service_id, hour_index
),

-- R4's vote as 60-bit masks: the minutes where more than half of the reporting
-- probes said down (2 x down > reporting, as down > reporting - down), where more
-- than half said down or degraded, and where any reported.
vote_masks as (
    select
        service_id,
        hour_index,
        {{ majority_minutes('down') }} as down_votes,
        {{ majority_minutes('bad') }} as bad_votes,
        {{ majority_minutes('known') }} as known_votes
    from vote_counts
    -- A lane counts up to 32,767 probes: more would carry into the next minute.
    where
        case
            when probes > 32767
                then error('R4: more than 32,767 probes in one service hour')
            else true
        end
    union all
    select * from pair_votes
),
{% else %}
vote_masks as (
    select * from pair_votes
),
{% endif %}
-- Each minute's vote as one of four disjoint masks.
vote_minutes as (
    select
        service_id,
        hour_index,
        down_votes as down_minutes,
        bad_votes & ~down_votes as degraded_minutes,
        known_votes & ~bad_votes as up_minutes,
        ~known_votes & 1152921504606846975::ubigint as unknown_minutes
    from vote_masks
),

-- A run starts at minute 0 and wherever the vote differs from the minute before:
-- the minutes of the hour where a vote's mask starts.
vote_starts as (
    select
        *,
        list_filter(
            range(60)::ubigint[],
            lambda m: (start_mask >> m) & 1::ubigint = 1::ubigint
        ) as starts
    from (
        select
            *,
            (down_minutes & ~(down_minutes << 1))
            | (degraded_minutes & ~(degraded_minutes << 1))
            | (up_minutes & ~(up_minutes << 1))
            | (unknown_minutes & ~(unknown_minutes << 1)) as start_mask
        from vote_minutes
    ) as vote_minutes_with_starts
),

run_structs as (
    select
        service_id,
        hour_index,
        unnest(
            list_transform(
                generate_series(1, len(starts)),
                lambda i: struct_pack(
                    run_code := case
                        when (down_minutes >> starts[i]) & 1::ubigint = 1::ubigint then 'd'
                        when (degraded_minutes >> starts[i]) & 1::ubigint = 1::ubigint then 'g'
                        when (up_minutes >> starts[i]) & 1::ubigint = 1::ubigint then 'u'
                        else '.'
                    end,
                    run_minutes := (coalesce(starts[i + 1], 60::ubigint) - starts[i])::integer,
                    run_offset := starts[i]::integer
                )
            )
        ) as run
    from vote_starts
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

{#- Whether the vote needs its lanes (DuckDB): an hour of the hours kept may have more than
    two probes. Two probe ids at most, as in most deployments, leave them out of the
    SQL: DuckDB plans their 90 expressions in 0.2 s of every build of the vote, even of
    one that votes nothing. True where it cannot be known (parse time; a unit test,
    whose fixture is not the table). -#}
{% macro votes_of_more_than_two_probes() -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set probes = run_query(
        'select count(distinct probe_id) from ' ~ ref('int_probe_hours')).columns[0].values()[0] -%}
    {{ return(probes > 2) }}
{%- endmacro %}

{#- SQL (UBIGINT): the 60-bit mask of the minutes where more than half of the probes
    reporting are in vote_counts' `count` (down, bad); for `known`, where any
    reported. -#}
{% macro majority_minutes(count) -%}
    {%- for chunk in range(15) -%}
        {%- set counted = count ~ '_' ~ chunk -%}
        {%- set others = 'known_' ~ chunk ~ ' - ' ~ counted -%}
        {%- set others = '0::ubigint' if count == 'known' else others -%}
        {{ lane_signs(lanes_greater(counted, others), chunk) }}{{ ' | ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- SQL: the columns known_0 .. bad_14 of vote_counts: per chunk of four minutes, the
    sum over an hour's probes of each mask's minutes in lanes (vote_lanes), a UBIGINT
    whose lanes count the probes with that minute's bit set. -#}
{% macro vote_lane_sums() -%}
    {%- for chunk in range(15) -%}
        {%- set last_chunk = loop.last -%}
        {%- for mask in ['known', 'down', 'bad'] -%}
            sum(({{ vote_lanes(mask, chunk) }})::bigint)::ubigint
            as {{ mask }}_{{ chunk }}{{ ',' if not (last_chunk and loop.last) }}
        {% endfor -%}
    {%- endfor -%}
{%- endmacro %}

{#- SQL (UBIGINT): minutes 4 x chunk .. 4 x chunk + 3 of the 60-bit `mask`, one per
    16-bit lane, 1 where the bit is set: the four bits copied into every lane, each
    lane keeping its own bit (0x0008000400020001), which adding 0x7fff carries into
    the lane's top bit. -#}
{% macro vote_lanes(mask, chunk) -%}
    (((((({{ mask }} >> {{ 4 * chunk }}) & 15::ubigint) * 281479271743489::ubigint)
    & 2251816993685505::ubigint) + 9223231297218904063::ubigint) >> 15) & 281479271743489::ubigint
{%- endmacro %}

{#- SQL (UBIGINT): each 16-bit lane's top bit set where lane `a` > lane `b` (lanes up to
    32,767): a lane's 0x8000 + a - (b + 1) never borrows from the next lane, and keeps
    its top bit iff a > b. -#}
{% macro lanes_greater(a, b) -%}
    ((({{ a }}) | 9223512776490647552::ubigint) - (({{ b }}) + 281479271743489::ubigint))
    & 9223512776490647552::ubigint
{%- endmacro %}

{#- SQL (UBIGINT): the four lanes' top bits of `lanes` as minutes 4 x chunk .. + 3. -#}
{% macro lane_signs(lanes, chunk) -%}
    ((((({{ lanes }}) >> 15) & 1::ubigint) | ((({{ lanes }}) >> 30) & 2::ubigint)
    | ((({{ lanes }}) >> 45) & 4::ubigint) | ((({{ lanes }}) >> 60) & 8::ubigint)) << {{ 4 * chunk }})
{%- endmacro %}

{#- Spark: a row per minute of the few vote hours, its vote from the probes' bits, and
    the runs as islands of equal votes (minute less its rank among equal votes). -#}
{% macro spark__vote_runs() -%}
vote_minutes as (
    select
        vote_hours.service_id,
        vote_hours.hour_index,
        minutes.minute,
        sum((vote_hours.known >> minutes.minute) & 1) as reporting,
        2 * sum((vote_hours.down >> minutes.minute) & 1) as down_twice,
        2 * sum((vote_hours.bad >> minutes.minute) & 1) as bad_twice
    from vote_hours
    cross join (select explode(sequence(0, 59)) as minute) as minutes
    group by vote_hours.service_id, vote_hours.hour_index, minutes.minute
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

{#- The CTEs run_starts (service_id, status, start_minute) and run_ends (service_id,
    status, end_minute) of the runs that the rows of the CTE `pieces` (service_id,
    status, start_minute, minutes; pieces of one service and status never overlap)
    make where one ends at the next of its status: a run starts at a piece that no
    piece of its status ends at, and ends at a piece end that no piece of its status
    starts at; with `cut_at_months`, also where a Copenhagen month starts
    (starts_a_month, from the vote's `plan`). Hash anti joins: nothing is sorted. -#}
{% macro run_bounds(pieces, plan=none, cut_at_months=false) -%}
    {%- set cut = ' and not ' ~ starts_a_month('{minute}', plan) if cut_at_months else '' -%}
    {%- set cut_start = cut | replace('{minute}', pieces ~ '.start_minute') -%}
    {%- set cut_end = cut | replace('{minute}', 'later.start_minute') -%}
run_starts as (
    select
        {{ pieces }}.service_id,
        {{ pieces }}.status,
        {{ pieces }}.start_minute
    from {{ pieces }}
    {{ anti_join() }} {{ pieces }} as earlier
        on
            {{ pieces }}.service_id = earlier.service_id
            and {{ pieces }}.status = earlier.status
            and {{ pieces }}.start_minute = earlier.start_minute + earlier.minutes{{ cut_start }}
),

run_ends as (
    select
        {{ pieces }}.service_id,
        {{ pieces }}.status,
        {{ pieces }}.start_minute + {{ pieces }}.minutes as end_minute
    from {{ pieces }}
    {{ anti_join() }} {{ pieces }} as later
        on
            {{ pieces }}.service_id = later.service_id
            and {{ pieces }}.status = later.status
            and {{ pieces }}.start_minute + {{ pieces }}.minutes = later.start_minute{{ cut_end }}
)
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

{#- SQL: bit `position` (0-63) of a mask, and a shift by `amount` bits, in the mask's own
    type (mask_type): DuckDB shifts a UBIGINT by a BIGINT in HUGEINT, twice the width to
    fold, store and vote on. -#}
{% macro mask_bit(position) -%}
    cast(1 as {{ mask_type() }}) << {{ mask_shift(position) }}
{%- endmacro %}

{% macro mask_shift(amount) -%}
    cast({{ amount }} as {{ mask_type() }})
{%- endmacro %}

{#- SQL: the hours of a day, 0 to 23, as the relation hours_of_day (hour_of_day). -#}
{% macro hours_of_day() -%}
    (values {% for hour in range(24) %}({{ hour }}){{ ', ' if not loop.last }}{% endfor %})
        as hours_of_day (hour_of_day)
{%- endmacro %}
