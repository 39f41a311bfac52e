{#- R2 service-time classes: a feed row (probe check, incident, window) naming a service
    id concerns each report row (a stg_reference__services row) that is that id or is
    measured as it. The one place this match is written: the report rows with the feed
    id they answer to, `feed_service_id`, once per id (a row measured as another id
    twice), so that a feed joins them on equality: a hash join, where a join on "either
    id" is a nested loop over every feed row and every service. -#}
{% macro services_by_feed() -%}
    (
        select
            services.*,
            services.service_id as feed_service_id
        from {{ ref('stg_reference__services') }} as services
        union all
        select
            services.*,
            services.measured_service_id as feed_service_id
        from {{ ref('stg_reference__services') }} as services
        where services.measured_service_id != services.service_id
    )
{%- endmacro %}
