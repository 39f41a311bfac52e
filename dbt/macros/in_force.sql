{#- R9: reference rows with validity dates (valid_from, valid_to inclusive, null =
    open) apply to a month when they are valid on its first local day. The one
    place the SLA targets, response-time targets and contract terms are picked. -#}
{% macro in_force(month, reference) -%}
    {{ month }} >= {{ reference }}.valid_from
    and ({{ reference }}.valid_to is null or {{ month }} <= {{ reference }}.valid_to)
{%- endmacro %}
