{#- The rules of a row_rules test (tests/generic/row_rules.sql) as (label, condition)
    pairs: the condition holds for a row that breaks the rule. -#}
{% macro row_rules_broken_by(not_null, accepted_values, between, expressions) %}
    {%- set rules = [] -%}
    {%- for column in not_null -%}
        {%- do rules.append(('not_null: ' ~ column, column ~ ' is null')) -%}
    {%- endfor -%}
    {%- for column, values in accepted_values.items() -%}
        {%- do rules.append((
            'accepted_values: ' ~ column ~ ' in (' ~ values | join(', ') ~ ')',
            column ~ " not in ('" ~ values | join("', '") ~ "')"
        )) -%}
    {%- endfor -%}
    {%- for column, bounds in between.items() -%}
        {%- set low, high = bounds.get('min_value'), bounds.get('max_value') -%}
        {%- set exclusive = bounds.get('exclusive_min', false) -%}
        {%- do rules.append((
            'between: ' ~ column ~ ' in ' ~ ('(' if exclusive else '[')
            ~ (low if low is not none else '-inf') ~ ', '
            ~ (high if high is not none else 'inf') ~ ']',
            '(' ~ (column ~ (' <= ' if exclusive else ' < ') ~ low if low is not none else 'false')
            ~ ' or ' ~ (column ~ ' > ' ~ high if high is not none else 'false') ~ ')'
        )) -%}
    {%- endfor -%}
    {%- for rule in expressions -%}
        {%- do rules.append((
            'expression: ' ~ rule.get('name', rule.expression),
            '(' ~ rule.get('where', 'true') ~ ') and not coalesce(' ~ rule.expression ~ ', false)'
        )) -%}
    {%- endfor -%}
    {%- do return(rules) -%}
{% endmacro %}
