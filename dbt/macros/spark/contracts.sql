{#- A mart's contract names its column types in DuckDB's words (models/marts/): on Spark
    they are translated as the seeds' are (spark_type) before dbt compares them with the
    types of the model's query. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copy = {} -%}
        {%- do copy.update(column) -%}
        {%- do copy.update({'data_type': spark_type(column['data_type'])}) -%}
        {%- do translated.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(translated)) }}
{%- endmacro %}
