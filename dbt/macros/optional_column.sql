{#- A seed's rows, with the text column `column` as NULL when the reference folder is
    from before the column existed. -#}
{% macro with_optional_column(seed, column) -%}
    {%- set present = adapter.get_columns_in_relation(ref(seed)) | map(attribute='name')
        | map('lower') | list if execute else [column] -%}
    select
        *{% if column not in present %},
        cast(null as {{ dbt.type_string() }}) as {{ column }}{% endif %}
    from {{ ref(seed) }}
{%- endmacro %}

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
