{#- The key tests of the tables kept by month (int_probe_hours, int_probe_status_blocks:
    dbt/macros/probe_fold.sql) test the months no passing run of that test has seen as
    they are. A month's rows change only when the build makes them again, under a new
    fingerprint (raw_inputs); a key holds within a month, since its instant places a
    row in one month. So a test that passed on a month's rows (the fingerprint and the
    number of rows, recorded by the on-run-end hook below in audit.tested_kept_months)
    passes on them again, and the pipeline's nightly build and a publication test the
    months they made, not the 3.5 million hours kept (1.2 s of a publication at 200
    services). A month whose test failed, or whose rows were made by a build stopped
    before its tests, or whose row count changed since, is tested again by every build.
    After a change to the test's macro, a `--full-refresh` build tests every month. -#}

{#- The `where` of `where: "untested_kept_months"`: the rows of the months this test has
    not passed on; every row on Spark (its tables are made whole by every build), before
    any record, and in a `--full-refresh` build. -#}
{% macro untested_kept_months(relation) -%}
    {%- if target.type == 'spark' or not execute or flags.FULL_REFRESH
        or adapter.get_relation(target.database, 'audit', 'tested_kept_months') is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set where -%}
        raw_inputs is null or raw_inputs not in (
            select tested.fingerprint
            from audit.tested_kept_months as tested
            inner join (
                select raw_inputs, count(*) as kept_rows
                from {{ relation }}
                group by raw_inputs
            ) as kept
                on tested.fingerprint = kept.raw_inputs and tested.kept_rows = kept.kept_rows
            where tested.test = '{{ model.unique_id }}'
        )
    {%- endset -%}
    {{ return(where) }}
{%- endmacro %}

{#- On run end: each such test that passed records the months of its table as it found
    them (months no longer kept go). -#}
{% macro record_tested_kept_months(results) -%}
    {{ return(adapter.dispatch('record_tested_kept_months')(results)) }}
{%- endmacro %}

{% macro spark__record_tested_kept_months(results) -%}
{%- endmacro %}

{% macro default__record_tested_kept_months(results) -%}
    {%- if execute -%}
        {%- set passed = results | selectattr('status', 'equalto', 'pass')
            | selectattr('node.resource_type', 'equalto', 'test')
            | selectattr('node.config.where', 'equalto', 'untested_kept_months') | list -%}
        {%- for result in passed -%}
            {%- set kept = graph.nodes[result.node.attached_node] -%}
            {%- set relation = adapter.get_relation(kept.database, kept.schema, kept.alias) -%}
            {%- do run_query(
                "create schema if not exists audit;
                create table if not exists audit.tested_kept_months (
                    test varchar not null,
                    fingerprint varchar not null,
                    kept_rows bigint not null
                );
                delete from audit.tested_kept_months where test = '"
                ~ result.node.unique_id ~ "';
                insert into audit.tested_kept_months
                select '" ~ result.node.unique_id ~ "', raw_inputs, count(*)
                from " ~ relation ~ "
                where raw_inputs is not null
                group by raw_inputs;"
            ) -%}
        {%- endfor -%}
        {%- if passed -%}
            {%- do adapter.commit() -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
