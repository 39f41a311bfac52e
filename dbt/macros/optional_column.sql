{#- A seed's rows, with the text column `column` as NULL when the reference folder is
    from before the column existed. -#}
{% macro with_optional_column(seed, column) -%}
    {%- set present = adapter.get_columns_in_relation(ref(seed)) | map(attribute='name')
        | map('lower') | list if execute else [column] -%}
    select
        *{% if column not in present %},
        cast(null as {{ text_type() }}) as {{ column }}{% endif %}
    from {{ ref(seed) }}
{%- endmacro %}
