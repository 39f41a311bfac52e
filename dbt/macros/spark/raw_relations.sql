{#- The raw layer of the warehouse, for an engine that reads files: Spark declares each
    raw source as a view of its Parquet file (dagster_project/landing/raw_parquet.py
    writes them into DRIFTSSTATUS_SPARK_DIR/raw). DuckDB holds the raw schema itself.
    Run as the project's on-run-start hook. -#}
{% macro register_raw_relations() -%}
    {{ return(adapter.dispatch('register_raw_relations')()) }}
{%- endmacro %}

{% macro default__register_raw_relations() -%}
{%- endmacro %}

{% macro spark__register_raw_relations() -%}
    {%- if execute -%}
        {%- set folder = env_var('DRIFTSSTATUS_SPARK_DIR') ~ '/raw' -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
            {%- do run_query(
                'create or replace view raw.' ~ source.name
                ~ ' as select * from parquet.`' ~ folder ~ '/' ~ source.name ~ '.parquet`'
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
