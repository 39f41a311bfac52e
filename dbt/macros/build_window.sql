{#- Partition-scoped builds: the vars `month_from` and `month_to` (first days of
    Copenhagen months, inclusive) limit a build to those months; the pipeline sets
    them as DRIFTSSTATUS_MONTH_FROM / _TO instead, because changing a --vars value
    makes dbt parse the whole project again (7 s). They are read only when a build
    runs (`execute`): read while parsing, a new value would re-parse every file that
    uses them. Without them a build covers every month. The month spine
    (int_report_months) and the probe minutes obey the window; the monthly marts
    replace exactly its months. -#}
{% macro build_window() -%}
    {%- set env_from = env_var('DRIFTSSTATUS_MONTH_FROM', '') if execute else '' -%}
    {%- set env_to = env_var('DRIFTSSTATUS_MONTH_TO', '') if execute else '' -%}
    {%- set first = var('month_from', env_from) -%}
    {%- set last = var('month_to', env_to) or first -%}
    {{- return((first, last) if first else none) -}}
{%- endmacro %}

{#- The first days ('YYYY-MM-01') of the window's months, in order; none without one. -#}
{% macro window_months() -%}
    {%- set window = build_window() -%}
    {%- if not window -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set first = modules.datetime.date.fromisoformat(window[0]) -%}
    {%- set last = modules.datetime.date.fromisoformat(window[1]) -%}
    {%- set months = [] -%}
    {%- for index in range(first.year * 12 + first.month - 1, last.year * 12 + last.month) -%}
        {%- do months.append('%04d-%02d-01' % (index // 12, index % 12 + 1)) -%}
    {%- endfor -%}
    {{- return(months) -}}
{%- endmacro %}

{#- A month (DATE, first day) inside the window; true without one. -#}
{% macro month_in_build_window(month) -%}
    {%- set window = build_window() -%}
    {%- if window -%}
        {{ month }} between date '{{ window[0] }}' and date '{{ window[1] }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- An instant inside the window's months (Copenhagen); true without one. -#}
{% macro instant_in_build_window(instant) -%}
    {%- set window = build_window() -%}
    {%- if window -%}
        {%- set bounds = build_window_instants() -%}
        {{ instant }} >= {{ bounds[0] }} and {{ instant }} < {{ bounds[1] }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- SQL for the window's first instant and the first instant after it (Copenhagen
    midnights); call it only with a window. -#}
{% macro build_window_instants() -%}
    {%- set window = build_window() -%}
    {{- return((
        local_midnight("date '" ~ window[0] ~ "'"),
        local_midnight("date '" ~ window[1] ~ "' + interval 1 month"),
    )) -}}
{%- endmacro %}

{#- The pre-hook of the monthly marts (models/marts/monthly/, configured in
    dbt_project.yml): each build deletes the window's months (all months
    without a window) and appends them again, so a month that lost its rows
    loses them here too. -#}
{% macro monthly_mart_pre_hook() -%}
    {{ return(adapter.dispatch('monthly_mart_pre_hook')()) }}
{%- endmacro %}

{#- DuckDB: a table made before a column's NOT NULL constraint was declared gets it here
    (an incremental table keeps the DDL it was made with). -#}
{% macro default__monthly_mart_pre_hook() -%}
    {%- if is_incremental() -%}
        {%- for column in model['columns'].values() -%}
            {%- if column['constraints'] | selectattr('type', 'equalto', 'not_null') | list %}
        alter table {{ this }} alter column {{ adapter.quote(column['name']) }} set not null;
            {%- endif -%}
        {%- endfor %}
        delete from {{ this }} where {{ month_in_build_window('month') }}
    {%- endif -%}
{%- endmacro %}
