{#- R2 service-time classes: a feed row naming `feed_service_id` concerns the report row
    `services` (a stg_reference__services row) when it names the row itself or the
    service id the row is measured as. The one place this match is written. -#}
{% macro feed_concerns(feed_service_id, services='services') -%}
    {{ feed_service_id }} in ({{ services }}.service_id, {{ services }}.measured_service_id)
{%- endmacro %}
