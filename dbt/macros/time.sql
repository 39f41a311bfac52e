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
    timezone({{ local_zone() }}, cast({{ local_date }} as timestamp))
{%- endmacro %}

{#- R1: the Copenhagen local date (DATE) of an instant. -#}
{% macro local_date(instant) -%}
    cast(timezone({{ local_zone() }}, {{ instant }}) as date)
{%- endmacro %}

{#- R1: the Copenhagen month (its first local day) holding an instant. -#}
{% macro local_month(instant) -%}
    cast(date_trunc('month', timezone({{ local_zone() }}, {{ instant }})) as date)
{%- endmacro %}

{#- Seconds between two instants, as a double with microsecond precision. -#}
{% macro seconds_between(start_at, end_at) -%}
    ((epoch_us({{ end_at }}) - epoch_us({{ start_at }})) / 1e6)
{%- endmacro %}
