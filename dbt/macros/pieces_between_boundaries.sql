{#- The interval sweep used by R3 and R7: every start and end of the given
    interval CTEs (each with service_id, start_at, end_at), per service, and
    the pieces [start_at, end_at) between consecutive boundaries. Nothing
    changes inside a piece; the last piece of a service has end_at null. -#}
{% macro pieces_between_boundaries(interval_ctes) -%}
    {%- set boundaries = [] -%}
    {%- for cte in interval_ctes -%}
        {%- do boundaries.append('select service_id, start_at as boundary_at from ' ~ cte) -%}
        {%- do boundaries.append('select service_id, end_at as boundary_at from ' ~ cte) -%}
    {%- endfor -%}
    select
        service_id,
        boundary_at as start_at,
        lead(boundary_at) over (
            partition by service_id order by boundary_at
        ) as end_at
    from ({{ boundaries | join(' union ') }}) as boundaries
{%- endmacro %}
