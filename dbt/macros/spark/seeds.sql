{#- Seeds on Spark, as dbt-spark loads them but with two differences. The seeds' column
    types are written in DuckDB's words (models/_reference_data.yml): Spark 4 has no
    bare varchar, its TIMESTAMP is DuckDB's TIMESTAMPTZ, and it has no TIME (a time of
    day stays its 'HH:MM:SS' text). And an empty cell is NULL, where dbt-spark's
    bindings load it as the text 'None' (dbt-adapters issue 487). -#}
{% macro spark_type(duckdb_type) -%}
    {%- set types = {'varchar': 'string', 'timestamptz': 'timestamp',
                     'timestamp with time zone': 'timestamp',
                     'timestamp': 'timestamp_ntz', 'time': 'string'} -%}
    {{- types.get(duckdb_type | lower, duckdb_type) -}}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- set sql -%}
    create table {{ this.render() }} (
        {%- for name in agate_table.column_names -%}
            {{ adapter.quote_seed_column(name | string, model['config'].get('quote_columns')) }}
            {{ spark_type(column_types.get(name, adapter.convert_type(agate_table, loop.index0))) }}
            {%- if not loop.last %}, {% endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
    {%- endset -%}
    {%- call statement('_') -%}{{ sql }}{%- endcall -%}
    {{ return(sql) }}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
        insert into {{ this.render() }} values
        {%- for row in chunk %}
            (
            {%- for name in agate_table.column_names -%}
                {%- set value = row[loop.index0] -%}
                {%- set type = spark_type(column_types.get(name, adapter.convert_type(agate_table, loop.index0))) -%}
                {%- if value is none -%}
                    cast(null as {{ type }})
                {%- else -%}
                    cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                {%- endif -%}
                {%- if not loop.last %}, {% endif -%}
            {%- endfor -%}
            ){%- if not loop.last %},{% endif -%}
        {%- endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}
