{#- SQL that DuckDB and Spark spell differently and that is not about time (time.sql) or
    lists (lists.sql): joins, CTEs, integer division, column types. -#}

{#- Integer division of non-negative integers (BIGINT), rounding down. -#}
{% macro idiv(dividend, divisor) -%}
    {{ return(adapter.dispatch('idiv')(dividend, divisor)) }}
{%- endmacro %}

{% macro default__idiv(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{% macro spark__idiv(dividend, divisor) -%}
    (({{ dividend }}) div ({{ divisor }}))
{%- endmacro %}

{#- `<left> anti join <right>`: the left rows no right row matches. -#}
{% macro anti_join() -%}
    {{ return(adapter.dispatch('anti_join')()) }}
{%- endmacro %}

{% macro default__anti_join() -%}
    anti join
{%- endmacro %}

{% macro spark__anti_join() -%}
    left anti join
{%- endmacro %}

{#- A CTE computed once however often it is read: DuckDB's `as materialized`; Spark
    plans each reference on its own. -#}
{% macro materialized() -%}
    {{ return(adapter.dispatch('materialized')()) }}
{%- endmacro %}

{% macro default__materialized() -%}
    materialized
{%- endmacro %}

{% macro spark__materialized() -%}
{%- endmacro %}

{#- A CTE planned into each of its readers, never written out: DuckDB's `as not
    materialized` (DuckDB may otherwise materialize a CTE read twice, which for millions
    of rows costs more than reading its table twice); Spark always plans it so. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro spark__not_materialized() -%}
{%- endmacro %}

{#- The type of a text column: DuckDB's varchar, translated as every DuckDB type name is
    for Spark (spark_type: Spark 4 wants a length with varchar). -#}
{% macro text_type() -%}
    {{ return(adapter.dispatch('text_type')()) }}
{%- endmacro %}

{% macro default__text_type() -%}
    varchar
{%- endmacro %}

{% macro spark__text_type() -%}
    {{ spark_type('varchar') }}
{%- endmacro %}

{#- R4: the type of a probe-hour's 60-bit minute masks: DuckDB's UBIGINT; Spark has no
    unsigned integers, and 60 bits fit a BIGINT. -#}
{% macro mask_type() -%}
    {{ return(adapter.dispatch('mask_type')()) }}
{%- endmacro %}

{% macro default__mask_type() -%}
    ubigint
{%- endmacro %}

{% macro spark__mask_type() -%}
    bigint
{%- endmacro %}
