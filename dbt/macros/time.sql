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
    cast('{{ value }}' as timestamptz)
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
