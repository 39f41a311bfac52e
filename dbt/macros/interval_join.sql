{#- Joins each row to the interval of `relation` (start_at inclusive, end_at exclusive;
    the intervals of one `on` key disjoint) that holds `point_at`, as
    `<join_type> join <relation> as <alias>`. The caller still requires
    `point_at < alias.end_at` where it needs the holding interval: DuckDB's asof join
    finds the last interval that starts at or before the point. -#}
{% macro interval_join(join_type, relation, alias, on, point_at) -%}
    {{ return(adapter.dispatch('interval_join')(join_type, relation, alias, on, point_at)) }}
{%- endmacro %}

{#- DuckDB: an asof join, linear in both sides. -#}
{% macro default__interval_join(join_type, relation, alias, on, point_at) -%}
    asof {{ join_type }} join {{ relation }} as {{ alias }}
        on {{ on }} and {{ point_at }} >= {{ alias }}.start_at
{%- endmacro %}

{#- Spark has no asof join: the join by UTC day below. -#}
{% macro spark__interval_join(join_type, relation, alias, on, point_at) -%}
    {{ return(interval_join_by_day(join_type, relation, alias, on, point_at)) }}
{%- endmacro %}

{#- interval_join as a hash join on the UTC day: each interval listed under every UTC
    day it touches, so that a point meets only the intervals of its own day (linear,
    where the range condition alone would compare every pair of a key), and the
    holding interval is the one joined (no `end_at` condition left to the caller).
    Spark's interval join; on DuckDB too where the points are many and the intervals
    few, as the probe checks of the response times (dbt/macros/response_times.sql):
    DuckDB's asof join sorts every point. -#}
{% macro interval_join_by_day(join_type, relation, alias, on, point_at) -%}
    {{ join_type }} join (
        select
            *,
            {{ utc_unit_series('start_at', 'end_at', 86400000000) }} as utc_day
        from {{ relation }}
        where start_at < end_at
    ) as {{ alias }}
        on
            {{ on }}
            and {{ alias }}.utc_day = {{ idiv(instant_us(point_at), 86400000000) }}
            and {{ point_at }} >= {{ alias }}.start_at
            and {{ point_at }} < {{ alias }}.end_at
{%- endmacro %}
