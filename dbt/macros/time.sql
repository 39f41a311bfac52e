{#- R6: the instant everything is computed as of, as a TIMESTAMPTZ literal.
    The var `as_of` wins, then DRIFTSSTATUS_AS_OF, then the start of this dbt
    invocation, so one run has one consistent "now". The variable is read only when
    a build runs (`execute`): read while parsing, a new instant would re-parse every
    model that uses it. -#}
{% macro as_of_ts() -%}
    {%- set value = var('as_of', '') or (env_var('DRIFTSSTATUS_AS_OF', '') if execute else '') -%}
    {%- if not value -%}
        {#- run_started_at is timezone-aware UTC. -#}
        {%- set value = run_started_at.isoformat() -%}
    {%- endif -%}
    cast('{{ value }}' as {{ instant_type() }})
{%- endmacro %}

{#- The type of an instant: DuckDB's TIMESTAMPTZ is Spark's TIMESTAMP (its session time
    zone is UTC, as DuckDB's, profiles.yml). -#}
{% macro instant_type() -%}
    {{ return(adapter.dispatch('instant_type')()) }}
{%- endmacro %}

{% macro default__instant_type() -%}
    timestamptz
{%- endmacro %}

{% macro spark__instant_type() -%}
    timestamp
{%- endmacro %}

{#- R4: the start of the minute an instant falls in. In integer maths on the instant:
    date_trunc on a TIMESTAMPTZ goes through DuckDB's ICU calendar and is about ten
    times slower on big tables. -#}
{% macro minute_start_of(instant) -%}
    {{ return(adapter.dispatch('minute_start_of')(instant)) }}
{%- endmacro %}

{% macro default__minute_start_of(instant) -%}
    to_timestamp((epoch_us({{ instant }}) // 60000000) * 60)
{%- endmacro %}

{% macro spark__minute_start_of(instant) -%}
    timestamp_seconds(unix_micros({{ instant }}) div 60000000 * 60)
{%- endmacro %}

{#- R1: the zone of the report's local days and months, written here only. -#}
{% macro local_zone() -%}
    'Europe/Copenhagen'
{%- endmacro %}

{#- R1: the instant a Copenhagen local date (or local timestamp) begins. -#}
{% macro local_midnight(local_date) -%}
    {{ return(adapter.dispatch('local_midnight')(local_date)) }}
{%- endmacro %}

{% macro default__local_midnight(local_date) -%}
    timezone({{ local_zone() }}, cast({{ local_date }} as timestamp))
{%- endmacro %}

{#- Spark reads a zone-less timestamp as a wall clock in the zone it is given. -#}
{% macro spark__local_midnight(local_date) -%}
    to_utc_timestamp(cast({{ local_date }} as timestamp_ntz), {{ local_zone() }})
{%- endmacro %}

{#- R2: the instant a Copenhagen wall clock (a local timestamp) shows. In the hour that
    comes twice when summer time ends, its first showing, as RFC 5545, Python (fold 0),
    Java and the recurring windows' expansion read it (DuckDB's ICU takes the second); a
    wall clock that summer time skips reads as winter time (02:30 is 03:30 summer time). -#}
{% macro wall_clock_instant(wall_clock) -%}
    {{ return(adapter.dispatch('wall_clock_instant')(wall_clock)) }}
{%- endmacro %}

{% macro default__wall_clock_instant(wall_clock) -%}
    {%- set local = 'cast(' ~ wall_clock ~ ' as timestamp)' -%}
    {%- set hour_on = 'timezone(' ~ local_zone() ~ ', ' ~ local ~ ' - interval 1 hour)'
        ~ ' + interval 1 hour' -%}
    least(
        timezone({{ local_zone() }}, {{ local }}),
        -- The instant an hour before, an hour on: the first showing, if it shows the same.
        case when timezone({{ local_zone() }}, {{ hour_on }}) = {{ local }} then {{ hour_on }} end
    )
{%- endmacro %}

{% macro spark__wall_clock_instant(wall_clock) -%}
    {{ spark__local_midnight(wall_clock) }}
{%- endmacro %}

{#- R1: the Copenhagen local date (DATE) of an instant. -#}
{% macro local_date(instant) -%}
    {{ return(adapter.dispatch('local_date')(instant)) }}
{%- endmacro %}

{% macro default__local_date(instant) -%}
    cast(timezone({{ local_zone() }}, {{ instant }}) as date)
{%- endmacro %}

{#- Spark shows an instant's wall clock in a zone with from_utc_timestamp. -#}
{% macro spark__local_date(instant) -%}
    to_date(from_utc_timestamp({{ instant }}, {{ local_zone() }}))
{%- endmacro %}

{#- R1: the Copenhagen month (its first local day) holding an instant. -#}
{% macro local_month(instant) -%}
    {{ return(adapter.dispatch('local_month')(instant)) }}
{%- endmacro %}

{% macro default__local_month(instant) -%}
    cast(date_trunc('month', timezone({{ local_zone() }}, {{ instant }})) as date)
{%- endmacro %}

{% macro spark__local_month(instant) -%}
    trunc({{ spark__local_date(instant) }}, 'MM')
{%- endmacro %}

{#- Seconds between two instants, as a double with microsecond precision. -#}
{% macro seconds_between(start_at, end_at) -%}
    (({{ instant_us(end_at) }} - {{ instant_us(start_at) }}) / 1e6)
{%- endmacro %}

{#- An instant as microseconds since 1970 (BIGINT): integer maths on instants. -#}
{% macro instant_us(instant) -%}
    {{ return(adapter.dispatch('instant_us')(instant)) }}
{%- endmacro %}

{% macro default__instant_us(instant) -%}
    epoch_us({{ instant }})
{%- endmacro %}

{% macro spark__instant_us(instant) -%}
    unix_micros({{ instant }})
{%- endmacro %}

{#- R1: one row per month from `first_month` to `last_month` (DATEs, first days), as a
    set-returning expression of the select list. -#}
{% macro month_series(first_month, last_month) -%}
    {{ return(adapter.dispatch('month_series')(first_month, last_month)) }}
{%- endmacro %}

{% macro default__month_series(first_month, last_month) -%}
    cast(unnest(generate_series(
        cast({{ first_month }} as timestamp), cast({{ last_month }} as timestamp), interval 1 month
    )) as date)
{%- endmacro %}

{% macro spark__month_series(first_month, last_month) -%}
    explode(sequence({{ first_month }}, {{ last_month }}, interval 1 month))
{%- endmacro %}

{#- One row per UTC hour (its index since 1970) that [start_at, end_at) touches, as a
    set-returning expression of the select list. -#}
{% macro hour_series(start_at, end_at) -%}
    {{ return(utc_unit_series(start_at, end_at, 3600000000)) }}
{%- endmacro %}

{#- One row per UTC unit of `unit_us` microseconds (an hour, a day: its index since 1970)
    that [start_at, end_at) touches, none for an empty span, as a set-returning
    expression of the select list. -#}
{% macro utc_unit_series(start_at, end_at, unit_us) -%}
    {{ return(adapter.dispatch('utc_unit_series')(start_at, end_at, unit_us)) }}
{%- endmacro %}

{% macro default__utc_unit_series(start_at, end_at, unit_us) -%}
    unnest(range(
        epoch_us({{ start_at }}) // {{ unit_us }},
        (epoch_us({{ end_at }}) + {{ unit_us - 1 }}) // {{ unit_us }}
    ))
{%- endmacro %}

{#- Spark's sequence includes its end, and counts down past an empty span. -#}
{% macro spark__utc_unit_series(start_at, end_at, unit_us) -%}
    explode(case
        when {{ end_at }} > {{ start_at }} then sequence(
            unix_micros({{ start_at }}) div {{ unit_us }},
            (unix_micros({{ end_at }}) + {{ unit_us - 1 }}) div {{ unit_us }} - 1
        )
        else array()
    end)
{%- endmacro %}

{#- R1: an instant's Copenhagen wall clock to the minute, as text ('2024-03-31 02:00'). -#}
{% macro local_minute_text(instant) -%}
    {{ return(adapter.dispatch('local_minute_text')(instant)) }}
{%- endmacro %}

{% macro default__local_minute_text(instant) -%}
    strftime(timezone({{ local_zone() }}, {{ instant }}), '%Y-%m-%d %H:%M')
{%- endmacro %}

{% macro spark__local_minute_text(instant) -%}
    date_format(from_utc_timestamp({{ instant }}, {{ local_zone() }}), 'yyyy-MM-dd HH:mm')
{%- endmacro %}

{#- R2: one row per local day from `first_day` to `last_day` (DATEs), as a
    set-returning expression of the select list. -#}
{% macro day_series(first_day, last_day) -%}
    {{ return(adapter.dispatch('day_series')(first_day, last_day)) }}
{%- endmacro %}

{% macro default__day_series(first_day, last_day) -%}
    cast(unnest(generate_series(
        cast({{ first_day }} as timestamp), cast({{ last_day }} as timestamp), interval 1 day
    )) as date)
{%- endmacro %}

{% macro spark__day_series(first_day, last_day) -%}
    explode(sequence(cast({{ first_day }} as date), cast({{ last_day }} as date), interval 1 day))
{%- endmacro %}

{#- R2: a local date at a local time of day (a seed's TIME), as a local timestamp. -#}
{% macro local_wall_clock(local_date, time_of_day) -%}
    {{ return(adapter.dispatch('local_wall_clock')(local_date, time_of_day)) }}
{%- endmacro %}

{% macro default__local_wall_clock(local_date, time_of_day) -%}
    {{ local_date }} + {{ time_of_day }}
{%- endmacro %}

{#- Spark has no TIME: the time of day is its 'HH:MM[:SS]' text. -#}
{% macro spark__local_wall_clock(local_date, time_of_day) -%}
    cast(concat(cast({{ local_date }} as string), ' ', {{ time_of_day }}) as timestamp_ntz)
{%- endmacro %}

{#- R2: the ISO weekday of a date, Monday 1 to Sunday 7. -#}
{% macro iso_weekday(day) -%}
    {{ return(adapter.dispatch('iso_weekday')(day)) }}
{%- endmacro %}

{% macro default__iso_weekday(day) -%}
    isodow({{ day }})
{%- endmacro %}

{#- Spark's weekday() counts from Monday 0. -#}
{% macro spark__iso_weekday(day) -%}
    (weekday({{ day }}) + 1)
{%- endmacro %}

{#- An instant from seconds since 1970. -#}
{% macro instant_from_seconds(seconds) -%}
    {{ return(adapter.dispatch('instant_from_seconds')(seconds)) }}
{%- endmacro %}

{% macro default__instant_from_seconds(seconds) -%}
    to_timestamp({{ seconds }})
{%- endmacro %}

{% macro spark__instant_from_seconds(seconds) -%}
    timestamp_seconds({{ seconds }})
{%- endmacro %}

{#- An instant's UTC minute as an id's text ('2024-03-31T01:05Z'). -#}
{% macro utc_minute_text(instant) -%}
    {{ return(adapter.dispatch('utc_minute_text')(instant)) }}
{%- endmacro %}

{% macro default__utc_minute_text(instant) -%}
    strftime(timezone('UTC', {{ instant }}), '%Y-%m-%dT%H:%MZ')
{%- endmacro %}

{#- Spark's session time zone is UTC (profiles.yml). -#}
{% macro spark__utc_minute_text(instant) -%}
    date_format({{ instant }}, "yyyy-MM-dd'T'HH:mm'Z'")
{%- endmacro %}
