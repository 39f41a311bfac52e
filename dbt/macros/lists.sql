{#- The parts of a text separated by a one-character `separator`; an empty list for a
    missing or blank text. -#}
{% macro text_parts(text, separator) -%}
    {{ return(adapter.dispatch('text_parts')(text, separator)) }}
{%- endmacro %}

{% macro default__text_parts(text, separator) -%}
    coalesce(string_split(nullif(trim({{ text }}), ''), '{{ separator }}'), [])
{%- endmacro %}

{#- Spark splits on a pattern: the separator as a character class. -#}
{% macro spark__text_parts(text, separator) -%}
    coalesce(split(nullif(trim({{ text }}), ''), '[{{ separator }}]'), array())
{%- endmacro %}

{#- One row per item of a list, as a set-returning expression of the select list. -#}
{% macro list_items(list) -%}
    {{ return(adapter.dispatch('list_items')(list)) }}
{%- endmacro %}

{% macro default__list_items(list) -%}
    unnest({{ list }})
{%- endmacro %}

{% macro spark__list_items(list) -%}
    explode({{ list }})
{%- endmacro %}

{#- Whether a list holds an item. -#}
{% macro list_has(list, item) -%}
    {{ return(adapter.dispatch('list_has')(list, item)) }}
{%- endmacro %}

{% macro default__list_has(list, item) -%}
    list_contains({{ list }}, {{ item }})
{%- endmacro %}

{% macro spark__list_has(list, item) -%}
    array_contains({{ list }}, {{ item }})
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

{#- The type of a text column: DuckDB's varchar is Spark's string (Spark 4 wants a
    length with varchar). -#}
{% macro text_type() -%}
    {{ return(adapter.dispatch('text_type')()) }}
{%- endmacro %}

{% macro default__text_type() -%}
    varchar
{%- endmacro %}

{% macro spark__text_type() -%}
    string
{%- endmacro %}
