{#- Spark (Parquet tables, partitioned by month) cannot delete rows: the window's month
    partitions are dropped, all of them without a window, and dbt-spark's
    insert_overwrite writes the months the build has rows for. -#}
{% macro spark__monthly_mart_pre_hook() -%}
    {%- if is_incremental() -%}
        {%- set window = build_window() -%}
        {%- if window -%}
            {%- set months = [] -%}
            {%- set month = modules.datetime.date.fromisoformat(window[0]) -%}
            {%- set last = modules.datetime.date.fromisoformat(window[1]) -%}
            {%- for _ in range(((last.year - month.year) * 12 + last.month - month.month) + 1) -%}
                {%- set index = month.year * 12 + month.month - 1 + loop.index0 -%}
                {%- do months.append("partition (month = '%04d-%02d-01')" % (index // 12, index % 12 + 1)) -%}
            {%- endfor %}
        alter table {{ this }} drop if exists {{ months | join(', ') }}
        {%- else %}
        truncate table {{ this }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
