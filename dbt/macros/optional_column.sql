{#- A seed's rows, with each column of `columns` (name: SQL type) as NULL when the
    reference folder has none: one from before the column existed, or one that leaves
    out a column the contract gives a default. -#}
{% macro with_optional_columns(seed, columns) -%}
    {%- set present = adapter.get_columns_in_relation(ref(seed)) | map(attribute='name')
        | map('lower') | list if execute else columns.keys() | list -%}
    select
        *{% for column, type in columns.items() if column not in present %},
        cast(null as {{ type }}) as {{ column }}{% endfor %}
    from {{ ref(seed) }}
{%- endmacro %}
