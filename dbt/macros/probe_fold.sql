{#- The hour fold kept (int_probe_hours on DuckDB): the table holds the hours of every
    month folded so far, each row with the fingerprint of what its month was folded from
    (`raw_inputs`), and a build folds again only the months whose fingerprint changed.

    A month's hours are a function of the raw probe checks in it before T (R6) and of the
    fold's SQL. Its fingerprint covers those: the raw store's parts whose load window
    overlaps the month (file, content hash, window and the content's rejected lines:
    audit.parquet_parts, one row per part the raw view reads), the digest of the month's
    rows in raw.probe_checks_rows (rows kept in a table by warehouses from before the
    store), T when T falls in the month, and the model's code (a change to a macro it
    calls needs `dbt build --full-refresh --select int_probe_hours+`, which makes the
    vote kept from it anew too). So a day's file
    changes only its month's fingerprint, a reloaded file those of the months its load
    window covers, and a publication as of an earlier T (`publish --month`) folds only
    the month holding T: the other months' hours are the same as of any later instant.
    Months from T on are not kept. -#}

{#- The plan of this build's fold, or none (Spark, or no raw store to fingerprint: the
    model is then folded whole): `months`, every month before T with data, each a dict
    (month, start_at, end_at: SQL instants; fingerprint), and `fold`, those this build
    folds: all of them (within the build window) without a table yet, else those whose
    fingerprint the table does not hold. -#}
{% macro probe_fold_plan() -%}
    {{ return(adapter.dispatch('probe_fold_plan')()) }}
{%- endmacro %}

{#- How the model is kept: incremental on DuckDB; a table folded whole on Spark. -#}
{% macro probe_fold_materialization() -%}
    {{ return(adapter.dispatch('probe_fold_materialization')()) }}
{%- endmacro %}

{% macro default__probe_fold_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__probe_fold_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{% macro spark__probe_fold_plan() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro default__probe_fold_plan() -%}
    {{ return(kept_months_plan(probe_fold_months())) }}
{%- endmacro %}

{#- The plan of a build of a model kept by month (the hour fold, the vote), from its
    `months` (each a dict: month, start_at, end_at, fingerprint), or none without them:
    `months`, and `fold`, those this build makes: all of them (within the build window)
    without a table yet, else those whose fingerprint the table does not hold. -#}
{% macro kept_months_plan(months) -%}
    {%- if months is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set in_scope = window_months() -%}
    {%- set kept = [] -%}
    {%- if is_incremental() and raw_inputs_kept() -%}
        {%- for row in run_query('select distinct raw_inputs from ' ~ this) -%}
            {%- do kept.append(row['raw_inputs']) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set fold = [] -%}
    {%- for month in months -%}
        {%- if (in_scope is none or month['month'] in in_scope)
            and month['fingerprint'] not in kept -%}
            {%- do fold.append(month) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'months': months, 'fold': fold}) }}
{%- endmacro %}

{#- Every month before T with data, each a dict (month, start_at, end_at: SQL instants;
    fingerprint); none without a raw store to fingerprint. -#}
{% macro probe_fold_months() -%}
    {#- A unit test folds the checks it is given. -#}
    {%- if not execute or model.resource_type == 'unit_test'
        or adapter.get_relation(target.database, 'audit', 'parquet_parts') is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set fingerprints -%}
        with

        -- The raw view's parts (landing/store.py), each less its content's rejected lines.
        parts as (
            select
                parts.file,
                parts.sha256,
                parts.start_at,
                parts.end_at,
                concat_ws(' ', count(rejected.line_number),
                    coalesce(sum(hash(rejected.line_number)), 0)) as rejected
            from audit.parquet_parts as parts
            left join audit.rejected_rows as rejected
                on rejected.source = parts.source
                and rejected.file = parts.file
                and rejected.sha256 = parts.sha256
            where parts.source = 'probe_checks'
            group by all
        ),

        -- And its rows kept in a table (warehouses from before the raw store).
        landed_rows as (
            select checked_at, service_id, probe_id, status, response_ms
            from raw.probe_checks_rows
        ),

        bounds as (
            select min(first_at) as first_at, max(last_at) as last_at
            from (
                select min(start_at) as first_at, max(end_at) - interval 1 second as last_at
                from parts
                union all
                select min(checked_at), max(checked_at) from landed_rows
            ) as spans
        ),

        months as (
            select
                month,
                {{ local_midnight('month') }} as start_at,
                {{ local_midnight('month + interval 1 month') }} as end_at
            from (
                select {{ month_series(local_month('first_at'), local_month('last_at')) }} as month
                from bounds
            ) as series
        ),

        part_lists as (
            select
                months.month,
                string_agg(
                    concat_ws(' ', parts.file, parts.sha256, epoch_us(parts.start_at),
                        epoch_us(parts.end_at), parts.rejected),
                    ',' order by parts.file, parts.start_at
                ) as parts
            from months
            inner join parts
                on parts.start_at < months.end_at and parts.end_at > months.start_at
            group by months.month
        ),

        row_digests as (
            select
                months.month,
                count(*) as checks,
                sum(hash(landed_rows.checked_at, landed_rows.service_id,
                    landed_rows.probe_id, landed_rows.status, landed_rows.response_ms)) as digest
            from months
            inner join landed_rows
                on landed_rows.checked_at >= months.start_at
                and landed_rows.checked_at < months.end_at
            group by months.month
        )

        select
            strftime(months.month, '%Y-%m-%d') as month,
            strftime(months.start_at, '%Y-%m-%d %H:%M:%S+00') as start_at,
            strftime(months.end_at, '%Y-%m-%d %H:%M:%S+00') as end_at,
            md5(concat_ws('|',
                months.month,
                coalesce(part_lists.parts, ''),
                coalesce(row_digests.checks, 0),
                coalesce(row_digests.digest, 0),
                case when {{ as_of_ts() }} < months.end_at then epoch_us({{ as_of_ts() }}) end,
                '{{ local_md5(model.raw_code) }}'
            )) as fingerprint
        from months
        left join part_lists using (month)
        left join row_digests using (month)
        where months.start_at < {{ as_of_ts() }}
        order by months.month
    {%- endset -%}
    {{ return(kept_months(fingerprints)) }}
{%- endmacro %}

{#- The months a query gives (month, start_at, end_at as text; fingerprint) as the dicts
    a plan holds. -#}
{% macro kept_months(query) -%}
    {%- set months = [] -%}
    {%- for row in run_query(query) -%}
        {%- do months.append({
            'month': row['month'],
            'start_at': "cast('" ~ row['start_at'] ~ "' as " ~ instant_type() ~ ")",
            'end_at': "cast('" ~ row['end_at'] ~ "' as " ~ instant_type() ~ ")",
            'fingerprint': row['fingerprint'],
        }) -%}
    {%- endfor -%}
    {{ return(months) }}
{%- endmacro %}

{#- The table has its fingerprint column (a table folded by an earlier version has not). -#}
{% macro raw_inputs_kept() -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {{ return('raw_inputs' in columns) }}
{%- endmacro %}

{#- SQL: the instant lies in a month the plan folds (true without a plan, or when the
    table is built anew: everything in the window is folded). -#}
{% macro in_folded_months(plan, instant) -%}
    {%- if plan is none or not is_incremental() -%}
        true
    {%- elif not plan['fold'] -%}
        false
    {%- else -%}
        ({% for month in plan['fold'] -%}
            {{ instant }} >= {{ month['start_at'] }} and {{ instant }} < {{ month['end_at'] }}
            {%- if not loop.last %} or {% endif -%}
        {%- endfor %})
    {%- endif -%}
{%- endmacro %}

{#- SQL: the fingerprint of the month an hour belongs to (null without a plan). -#}
{% macro fold_fingerprint(plan, hour_start) -%}
    {%- if plan is none or not plan['months'] -%}
        cast(null as {{ text_type() }})
    {%- else -%}
        case
        {%- for month in plan['months'] %}
            when {{ hour_start }} >= {{ month['start_at'] }} and {{ hour_start }} < {{ month['end_at'] }}
                then '{{ month['fingerprint'] }}'
        {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}

{#- A kept model's pre-hook, given the macro of its current months (`current_months`:
    probe_fold_months, probe_vote_months): the rows of months no longer current (made
    from other inputs, as of another T, by other code, or from T on) go; the months to
    make are among them. Without months, every row goes. The months are asked for only
    where the table exists (their queries read the hours: 0.1 s after the fold of a
    first build). -#}
{% macro kept_months_pre_hook(current_months) -%}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set months = current_months() -%}
    {%- if not months or not raw_inputs_kept() -%}
        delete from {{ this }}
    {%- else -%}
        {%- set current = [] -%}
        {%- for month in months -%}
            {%- do current.append("'" ~ month['fingerprint'] ~ "'") -%}
        {%- endfor %}
        delete from {{ this }}
        where raw_inputs is null or raw_inputs not in ({{ current | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{#- The vote kept (int_probe_status_blocks on DuckDB) as the hour fold is: each month's
    blocks carry the fingerprint of the hours they were voted from (their raw_inputs), of
    the report rows they are voted for and of the vote's code, so a build votes again only the months it folded again, and a
    publication as of an earlier T votes only the month holding T. -#}
{#- SQL: whether `minute` (minutes since the epoch) is the first minute of a Copenhagen
    month. With the vote's `plan`, one of its months' starts and ends (a list of
    constants: no piece lies outside those months); without one (Spark, a unit test),
    from the calendar. -#}
{% macro starts_a_month(minute, plan) -%}
    {%- if plan is not none and plan['months'] -%}
        {%- set starts = [] -%}
        {%- for month in plan['months'] -%}
            {%- do starts.append(idiv(instant_us(month['start_at']), 60000000)) -%}
            {%- do starts.append(idiv(instant_us(month['end_at']), 60000000)) -%}
        {%- endfor -%}
        {{ return(minute ~ ' in (' ~ (starts | unique | join(', ')) ~ ')') }}
    {%- endif -%}
    {%- set month_start = local_midnight(local_month(instant_from_seconds(minute ~ ' * 60'))) -%}
    {{ return(instant_us(month_start) ~ ' = ' ~ minute ~ ' * 60000000') }}
{%- endmacro %}

{% macro probe_vote_plan() -%}
    {{ return(adapter.dispatch('probe_vote_plan')()) }}
{%- endmacro %}

{% macro spark__probe_vote_plan() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro default__probe_vote_plan() -%}
    {{ return(kept_months_plan(probe_vote_months())) }}
{%- endmacro %}

{#- Each month of the hour fold with the fingerprint of its vote; none where the hours
    are not kept by month (a unit test, hours without fingerprints). The code is the
    model's and the vote's as rendered (dbt/macros/probe_vote.sql), so a change to
    either votes every month again; so does a change to the report rows and the ids
    they are measured as (R2: whose probes vote for which row). -#}
{% macro probe_vote_months() -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set hours = ref('int_probe_hours') -%}
    {%- set unkept = run_query(
        'select count(*) from ' ~ hours ~ ' where raw_inputs is null').columns[0].values()[0] -%}
    {%- if unkept -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set fingerprints -%}
        select
            strftime(month, '%Y-%m-%d') as month,
            strftime({{ local_midnight('month') }}, '%Y-%m-%d %H:%M:%S+00') as start_at,
            strftime({{ local_midnight('month + interval 1 month') }}, '%Y-%m-%d %H:%M:%S+00')
                as end_at,
            md5(concat_ws('|', raw_inputs, feeds.report_rows,
                '{{ local_md5(model.raw_code ~ vote_runs()) }}')) as fingerprint
        from (
            select raw_inputs, {{ local_month('min(hour_start)') }} as month
            from {{ hours }}
            group by raw_inputs
        ) as folded
        cross join (
            select string_agg(concat_ws('>', service_id, measured_service_id), ','
                order by service_id) as report_rows
            from {{ ref('stg_reference__services') }}
        ) as feeds
        order by month
    {%- endset -%}
    {{ return(kept_months(fingerprints)) }}
{%- endmacro %}
