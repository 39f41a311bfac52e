{#- A seed's rows, with `column` as NULL when the reference folder is from before the
    column existed (union by name adds what one side lacks). -#}
{% macro with_optional_column(seed, column, type) -%}
    select * from {{ ref(seed) }}
    union all by name
    select cast(null as {{ type }}) as {{ column }}
    where false
{%- endmacro %}
