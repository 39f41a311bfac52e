{#- What a Spark build made, as Parquet files a DuckDB reader can take back (the app and
    the exports read DuckDB): every table and seed built by this invocation (not the
    staging views: the raw rows again), into DRIFTSSTATUS_SPARK_DIR/built/<schema>.<name>/.
    Run as the project's on-run-end hook; DuckDB builds into the warehouse itself. -#}
{% macro export_built_relations(results) -%}
    {{ return(adapter.dispatch('export_built_relations')(results)) }}
{%- endmacro %}

{% macro default__export_built_relations(results) -%}
{%- endmacro %}

{% macro spark__export_built_relations(results) -%}
    {%- if execute -%}
        {%- set folder = env_var('DRIFTSSTATUS_SPARK_DIR') ~ '/built' -%}
        {%- for result in results
            if result.status == 'success' and result.node.resource_type in ('model', 'seed')
            and result.node.config.materialized != 'view' -%}
            {%- set node = result.node -%}
            {#- A table partitioned by month holds that column last: a contract's order. -#}
            {%- set columns = [] -%}
            {%- for name in node.columns if node.resource_type == 'model' and node.contract.enforced -%}
                {%- do columns.append(adapter.quote(name)) -%}
            {%- endfor -%}
            {%- do run_query(
                "insert overwrite directory '" ~ folder ~ "/" ~ node.schema ~ "." ~ node.alias
                ~ "' using parquet select " ~ (columns | join(', ') if columns else '*')
                ~ " from " ~ node.schema ~ "." ~ node.alias
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
