{#- R6: the instant everything is computed as of, as a TIMESTAMPTZ literal.
    The var wins, then DRIFTSSTATUS_AS_OF, then the start of this dbt run, so one
    invocation has one consistent "now". -#}
{% macro as_of_ts() -%}
    {%- set value = var('as_of', '')
        or env_var('DRIFTSSTATUS_AS_OF', '')
        or run_started_at.isoformat() -%}
    cast('{{ value }}' as timestamptz)
{%- endmacro %}

{#- R1: a Copenhagen calendar month starting at a local date, as a UTC instant. -#}
{% macro local_midnight(local_date) -%}
    timezone('Europe/Copenhagen', cast({{ local_date }} as timestamp))
{%- endmacro %}

{#- R1: the Copenhagen month (first local day) holding an instant. -#}
{% macro local_month(instant) -%}
    cast(date_trunc('month', timezone('Europe/Copenhagen', {{ instant }})) as date)
{%- endmacro %}
