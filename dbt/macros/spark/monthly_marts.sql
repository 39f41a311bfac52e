{#- Spark (Parquet tables, partitioned by month) cannot delete rows: the window's month
    partitions are dropped, all of them without a window, and dbt-spark's
    insert_overwrite writes the months the build has rows for. -#}
{% macro spark__monthly_mart_pre_hook() -%}
    {%- if is_incremental() -%}
        {%- set months = window_months() -%}
        {%- if months %}
        alter table {{ this }} drop if exists
            {%- for month in months %} partition (month = '{{ month }}'){{ ',' if not loop.last }}
            {%- endfor %}
        {%- else %}
        truncate table {{ this }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
