{#- Schemas are exactly staging / intermediate / marts / seeds: readers rely on the names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
