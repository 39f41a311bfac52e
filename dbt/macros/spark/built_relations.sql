{#- What a Spark build made, as Parquet files a DuckDB reader can take back (the app and
    the exports read DuckDB): every model and seed built by this invocation, into
    DRIFTSSTATUS_SPARK_DIR/built/<schema>.<name>/. Run as the project's on-run-end hook;
    DuckDB builds into the warehouse itself. -#}
{% macro export_built_relations(results) -%}
    {{ return(adapter.dispatch('export_built_relations')(results)) }}
{%- endmacro %}

{% macro default__export_built_relations(results) -%}
{%- endmacro %}

{% macro spark__export_built_relations(results) -%}
    {%- if execute -%}
        {%- set folder = env_var('DRIFTSSTATUS_SPARK_DIR') ~ '/built' -%}
        {%- for result in results
            if result.status == 'success' and result.node.resource_type in ('model', 'seed') -%}
            {%- set node = result.node -%}
            {%- do run_query(
                "insert overwrite directory '" ~ folder ~ "/" ~ node.schema ~ "." ~ node.alias
                ~ "' using parquet select * from " ~ node.schema ~ "." ~ node.alias
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
