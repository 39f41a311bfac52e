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
