{#- On run end: each data test's latest verdict, in audit.data_test_results, which the
    serving copy carries to the app's data-quality page: a warning (a probe check landed
    twice, coverage under 99 %, a rejected incident version in force, ...) reaches the
    readers of the report, not only the run's log and Dagster's asset checks, under the
    Danish label its config gives (`meta: {label: ...}`, every warning has one:
    tests/test_layers.py). A test this build did not run (or skipped) keeps its last
    verdict and when it was given; a test no longer in the project goes. -#}
{% macro record_data_test_results(results) -%}
    {{ return(adapter.dispatch('record_data_test_results')(results)) }}
{%- endmacro %}

{#- Spark's build has no audit schema: its verdicts are in its log and Dagster's. -#}
{% macro spark__record_data_test_results(results) -%}
{%- endmacro %}

{% macro default__record_data_test_results(results) -%}
    {%- if execute -%}
        {#- A test skipped (a model it reads failed) was not run: its last verdict stays. -#}
        {%- set tests = results | selectattr('node.resource_type', 'equalto', 'test')
            | rejectattr('status', 'equalto', 'skipped') | list -%}
        {%- set in_project = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'test' -%}
            {%- do in_project.append("'" ~ node.unique_id ~ "'") -%}
        {%- endfor -%}
        {%- set rows = [] -%}
        {%- for result in tests -%}
            {%- do rows.append("(" ~ [
                quoted_text(result.node.unique_id),
                quoted_text(result.node.name),
                quoted_text(result.node.config.meta.get('label', result.node.name)),
                quoted_text(tested_models(result.node) | join(', ')),
                quoted_text(result.node.config.severity | lower),
                quoted_text(result.status),
                result.failures if result.failures is not none else 'null',
                quoted_text(result.message or ''),
                "'" ~ run_started_at.isoformat() ~ "'::timestamptz",
            ] | join(', ') ~ ")") -%}
        {%- endfor -%}
        {%- do run_query(
            "create schema if not exists audit;
            create table if not exists audit.data_test_results (
                test_id varchar primary key,
                test_name varchar not null,
                label varchar not null,
                tested_models varchar not null,
                severity varchar not null,
                status varchar not null,
                failures bigint,
                message varchar not null,
                tested_at timestamptz not null
            );
            alter table audit.data_test_results add column if not exists label varchar;
            delete from audit.data_test_results where test_id not in ("
            ~ (in_project | join(', ') or "''") ~ ");"
            ~ ("insert or replace into audit.data_test_results by name select * from (values "
               ~ rows | join(', ') ~ ") as verdicts (test_id, test_name, label, tested_models, "
               ~ "severity, status, failures, message, tested_at);" if rows else "")
        ) -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{%- endmacro %}

{#- The models a test reads: the one it is attached to, else those it refers to. -#}
{% macro tested_models(test) -%}
    {%- if test.attached_node -%}
        {{ return([graph.nodes[test.attached_node].name]) }}
    {%- endif -%}
    {%- set models = [] -%}
    {%- for unique_id in test.depends_on.nodes if unique_id in graph.nodes -%}
        {%- do models.append(graph.nodes[unique_id].name) -%}
    {%- endfor -%}
    {{ return(models) }}
{%- endmacro %}

{% macro quoted_text(text) -%}
    {{ return("'" ~ (text | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}
