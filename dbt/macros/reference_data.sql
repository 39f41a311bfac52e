{#- The reference data (seeds and the staging views over them, tag `reference_data`)
    depends on neither the month, T nor the landed data: the pipeline's build leaves it
    out while the warehouse holds it as built from the same files and code
    (dagster_project/infra/reference_build.py). This on-run-end hook keeps that record,
    audit.reference_data_build, right: a build given the reference data's fingerprint
    (DRIFTSSTATUS_REFERENCE_FINGERPRINT) that built every reference node and its tests
    records it; any other build of a reference node (an analyst's, with other seeds, or
    one that failed there) removes the record, so the next build seeds again. -#}
{% macro record_reference_data_build(results) -%}
    {{ return(adapter.dispatch('record_reference_data_build')(results)) }}
{%- endmacro %}

{#- Spark's seeds live in its own catalog: it builds them with every build. -#}
{% macro spark__record_reference_data_build(results) -%}
{%- endmacro %}

{% macro default__record_reference_data_build(results) -%}
    {%- if execute -%}
        {%- set reference = [] -%}
        {%- for node in graph.nodes.values() if 'reference_data' in node.tags -%}
            {%- do reference.append(node.unique_id) -%}
        {%- endfor -%}
        {#- A test of reference nodes only is built with them. -#}
        {%- for node in graph.nodes.values() if node.resource_type == 'test'
            and node.depends_on.nodes
            and node.depends_on.nodes | reject('in', reference) | list | length == 0 -%}
            {%- do reference.append(node.unique_id) -%}
        {%- endfor -%}
        {%- set ran = results | selectattr('node.unique_id', 'in', reference) | list -%}
        {%- if ran -%}
            {%- set fingerprint = env_var('DRIFTSSTATUS_REFERENCE_FINGERPRINT', '') -%}
            {%- set complete = ran | length == reference | length
                and ran | rejectattr('status', 'in', ['success', 'pass']) | list | length == 0 -%}
            {%- do run_query(
                "create schema if not exists audit;
                create table if not exists audit.reference_data_build (
                    fingerprint varchar not null,
                    built_at timestamptz not null
                );
                delete from audit.reference_data_build;"
            ) -%}
            {%- if fingerprint and complete -%}
                {%- do run_query(
                    "insert into audit.reference_data_build values ('"
                    ~ fingerprint ~ "', current_timestamp)"
                ) -%}
            {%- endif -%}
            {%- do adapter.commit() -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
