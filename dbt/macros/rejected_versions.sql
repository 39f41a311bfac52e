{#- The rejected incident lines that would be the version in force (R6), for
    tests/warn_incident_version_rejected.sql: incident id, file, line, reason, and when
    the version in force was recorded (null: none is). The loader's rejects are in the
    warehouse's audit schema, read on DuckDB; Spark's build reads the raw layer alone,
    and a warehouse no load has written has none: no rows. -#}
{% macro rejected_versions_in_force(versions) -%}
    {{ return(adapter.dispatch('rejected_versions_in_force')(versions)) }}
{%- endmacro %}

{% macro spark__rejected_versions_in_force(versions) -%}
    {{ no_rejected_versions() }}
{%- endmacro %}

{% macro no_rejected_versions() -%}
select
    cast(null as {{ text_type() }}) as incident_id,
    cast(null as {{ text_type() }}) as file,
    cast(null as bigint) as line_number,
    cast(null as {{ text_type() }}) as reason,
    cast(null as {{ instant_type() }}) as in_force_recorded_at
where false
{%- endmacro %}

{% macro default__rejected_versions_in_force(versions) -%}
    {%- set rejected_rows = adapter.get_relation(versions.database, 'audit', 'rejected_rows') -%}
    {%- if rejected_rows is none -%}
        {{ return(no_rejected_versions()) }}
    {%- endif -%}
    {{ return(rejected_versions_query(rejected_rows, versions)) }}
{%- endmacro %}

{#- A line whose incident id can be read, recorded at or before T (the incidents' cut,
    dbt/macros/exists_as_of.sql) or at an instant that cannot be read (lines rejected as
    unreadable name no incident), at or after the version in force, if any. -#}
{% macro rejected_versions_query(rejected_rows, versions) -%}
with

rejected_lines as (
    select
        file,
        line_number,
        reason,
        json_extract_string(raw_line, '$.incident_id') as incident_id,
        try_cast(upper(json_extract_string(raw_line, '$.recorded_at')) as timestamptz)
            as recorded_at
    from {{ rejected_rows }}
    where source = 'incidents' and coalesce(json_valid(raw_line), false)
),

-- Those that would exist as of T (R6), as a landed version would.
rejected as (
    select *
    from rejected_lines
    where coalesce({{ exists_as_of('incidents') }}, true)
),

in_force as (
    select
        incident_id,
        max(recorded_at) as recorded_at
    from {{ versions }}
    group by incident_id
)

select
    rejected.incident_id,
    rejected.file,
    rejected.line_number,
    rejected.reason,
    in_force.recorded_at as in_force_recorded_at
from rejected
left join in_force
    on rejected.incident_id = in_force.incident_id
where
    rejected.incident_id is not null
    and (
        in_force.incident_id is null
        or coalesce(rejected.recorded_at >= in_force.recorded_at, true)
    )
{%- endmacro %}
