-- R1: the month spine. Copenhagen calendar months from the earliest to the
-- latest month holding landed data, capped at the month holding T (R6), which
-- is reported month to date. Month lengths are real elapsed seconds, so DST
-- months are 743 h and 745 h.
with

landed as (
    {%- if build_window() %}
        {%- set window_start, window_end = build_window_instants() %}
        {#- (the instant standing in, the span's start, its end): before the window,
            each of its months, after it. -#}
        {%- set spans = [(window_start ~ ' - interval 1 second', none, window_start)] %}
        {%- for month in window_months() %}
            {%- do spans.append((
                local_midnight("date '" ~ month ~ "'"),
                local_midnight("date '" ~ month ~ "'"),
                local_midnight("date '" ~ month ~ "' + interval 1 month"),
            )) %}
        {%- endfor %}
        {%- do spans.append((window_end, window_end, none)) %}
        -- Each month of the window holding a check stretches the spine over it, and
        -- so does a check on either side of it; whether a span holds one is asked,
        -- not counted: the files' statistics answer that, where the window's first
        -- and last check read every check in it (0.6 s of a full build at 200
        -- services). An instant in the span stands in for its checks.
        {%- for stand_in, span_start, span_end in spans %}
            {%- if not loop.first %}
                union all
            {%- endif %}
            select
                {{ stand_in }} as first_at,
                {{ stand_in }} as last_at
            from (select 1 as span) as checked_span
            where
                exists (
                    select 1 from {{ ref('stg_monitoring__probe_checks') }} as checks
                    where
                        {{ 'checks.checked_at >= ' ~ span_start if span_start else 'true' }}
                        and {{ 'checks.checked_at < ' ~ span_end if span_end else 'true' }}
                )
        {%- endfor %}
    {%- else %}
        -- The first and the last check, each the top of an ordering: DuckDB reads
        -- only the row groups that can hold it (min() and max() read every check:
        -- 0.65 s against 0.09 s at 200 services).
        select
            (
                select checked_at from {{ ref('stg_monitoring__probe_checks') }}
                order by checked_at asc nulls last
                limit 1
            ) as first_at,
            (
                select checked_at from {{ ref('stg_monitoring__probe_checks') }}
                order by checked_at desc nulls last
                limit 1
            ) as last_at
    {%- endif %}
    union all
    select
        min(period_start) as first_at,
        max(period_start) as last_at
    from {{ ref('stg_operations__service_calls') }}
    union all
    select
        min(started_at) as first_at,
        max(started_at) as last_at
    from {{ ref('stg_incidents__incident_versions') }}
    union all
    select
        min(starts_at) as first_at,
        max(starts_at) as last_at
    from {{ ref('stg_operations__service_windows') }}
    union all
    select
        min(deployed_at) as first_at,
        max(deployed_at) as last_at
    from {{ ref('stg_operations__changes') }}
),

bounds as (
    select
        {{ local_month('min(first_at)') }} as first_month,
        least(
            {{ local_month('max(last_at)') }},
            {{ local_month(as_of_ts()) }}
        ) as last_month
    from landed
),

months as (
    select
        {{ month_series('first_month', 'last_month') }} as month
    from bounds
    where first_month <= last_month
),

month_bounds as (
    select
        month,
        {{ local_midnight('month') }} as month_start_at,
        {{ local_midnight('month + interval 1 month') }} as next_month_start_at
    from months
)

select
    month,
    month_start_at,
    -- The month holding T ends at T (month to date).
    least(next_month_start_at, {{ as_of_ts() }}) as month_end_at,
    {{ seconds_between('month_start_at', 'least(next_month_start_at, ' ~ as_of_ts() ~ ')') }}
        as month_seconds,
    next_month_start_at > {{ as_of_ts() }} as is_month_to_date
from month_bounds
-- A month that starts at T or later has nothing to report yet; a
-- partition-scoped build covers only its window's months.
where month_start_at < {{ as_of_ts() }} and {{ month_in_build_window('month') }}
