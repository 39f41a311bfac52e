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

{#- The rows of `relation`, a feed (its rows name a `service_id`), each once per report row
    it concerns: that row as `report_service_id`, and `is_class`, whether the row is
    measured as another id (an R2 class, which hears two ids). Without classes each id is
    its own row and the feed is read as it is: the join to services_by_feed holds 170 MB
    more in the vote at 200 services x 2 probes. -#}
{% macro with_report_rows(relation) -%}
    {%- if has_service_classes() -%}
        (
            select
                feed.*,
                services.service_id as report_service_id,
                services.measured_service_id != services.service_id as is_class
            from {{ relation }} as feed
            inner join {{ services_by_feed() }} as services
                on feed.service_id = services.feed_service_id
        )
    {%- else -%}
        (select feed.*, feed.service_id as report_service_id, false as is_class from {{ relation }} as feed)
    {%- endif -%}
{%- endmacro %}

{#- Whether a report row is measured as another id (has R2 classes): without one, each
    feed id is its own report row. True where it cannot be known (at parse time, so that
    the dependency on the services is always recorded; in a unit test, whose fixture is
    not the table). -#}
{% macro has_service_classes() -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set found = run_query(
        'select count(*) from ' ~ ref('stg_reference__services')
        ~ ' where measured_service_id != service_id').columns[0].values()[0] -%}
    {{ return(found > 0) }}
{%- endmacro %}
