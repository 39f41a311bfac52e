{#- dbt's hook for a test's `where` config, extended: `where: "build_window:<column>"`
    tests only the rows whose instant in <column> lies in the months being built, and
    `where: "untested_kept_months"` the months of a kept table the test has not passed
    on (dbt/macros/kept_tests.sql); test configs cannot call project macros themselves.
    Any other `where` works as in dbt. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where and where.startswith('build_window:') -%}
        {%- set where = instant_in_build_window(where.split(':', 1)[1]) -%}
    {%- elif where == 'untested_kept_months' -%}
        {%- set where = untested_kept_months(relation) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
