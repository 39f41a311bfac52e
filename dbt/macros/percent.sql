{#- R9: 100 * part / whole rounded half-up to two decimals, in exact integer
    arithmetic (part and whole integers: microseconds, checks), so 99.895 shows
    as 99,90% even where a double holds 99.89499...; null when whole is 0. -#}
{% macro pct_half_up(part, whole) -%}
    cast(
        cast(
            {{ idiv('20000 * ' ~ part ~ ' + ' ~ whole, 'nullif(2 * ' ~ whole ~ ', 0)') }} as decimal(18, 0)
        ) * 0.01 as decimal(5, 2)
    )
{%- endmacro %}

{#- R9: a rounded percentage as the report shows it, '99,82%', or 'n/a' for null. -#}
{% macro pct_display(rounded) -%}
    coalesce(replace(cast({{ rounded }} as {{ text_type() }}), '.', ',') || '%', 'n/a')
{%- endmacro %}
