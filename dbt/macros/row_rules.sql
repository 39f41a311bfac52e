{#- The rules of a row_rules test (tests/generic/row_rules.sql) as (label, failing) pairs:
    `failing` is a FROM clause (with its WHERE) of the rows that break the rule; for a key,
    of the key values that occur more than once. -#}
{% macro row_rules_broken_by(
    model, not_null, accepted_values, between, expressions, unique, intervals_do_not_overlap,
    validity_does_not_overlap
) %}
    {%- set rules = [] -%}
    {%- for column in not_null -%}
        {%- do rules.append(('not_null: ' ~ column, model ~ ' where ' ~ column ~ ' is null')) -%}
    {%- endfor -%}
    {%- for column, values in accepted_values.items() -%}
        {%- do rules.append((
            'accepted_values: ' ~ column ~ ' in (' ~ values | join(', ') ~ ')',
            model ~ ' where ' ~ column ~ " not in ('" ~ values | join("', '") ~ "')"
        )) -%}
    {%- endfor -%}
    {%- for column, bounds in between.items() -%}
        {%- set low, high = bounds.get('min_value'), bounds.get('max_value') -%}
        {%- set exclusive = bounds.get('exclusive_min', false) -%}
        {%- do rules.append((
            'between: ' ~ column ~ ' in ' ~ ('(' if exclusive else '[')
            ~ (low if low is not none else '-inf') ~ ', '
            ~ (high if high is not none else 'inf') ~ ']',
            model ~ ' where ('
            ~ (column ~ (' <= ' if exclusive else ' < ') ~ low if low is not none else 'false')
            ~ ' or ' ~ (column ~ ' > ' ~ high if high is not none else 'false') ~ ')'
        )) -%}
    {%- endfor -%}
    {%- for rule in expressions -%}
        {%- do rules.append((
            'expression: ' ~ rule.get('name', rule.expression),
            model ~ ' where (' ~ rule.get('where', 'true') ~ ') and not coalesce('
            ~ rule.expression ~ ', false)'
        )) -%}
    {%- endfor -%}
    {%- for key in unique -%}
        {%- do rules.append(('unique: ' ~ key | join(', '), row_rules_duplicated(model, key))) -%}
    {%- endfor -%}
    {%- for rule, options in [
        ('intervals_do_not_overlap', intervals_do_not_overlap),
        ('validity_does_not_overlap', validity_does_not_overlap),
    ] if options -%}
        {%- set failing = row_rules_overlapping(model, **options)
            if rule == 'intervals_do_not_overlap'
            else row_rules_overlapping_validity(model, **options) -%}
        {%- do rules.append((rule ~ ': ' ~ options.partition_by | join(', '), failing)) -%}
    {%- endfor -%}
    {%- do return(rules) -%}
{% endmacro %}

{#- The values of the key that occur more than once, as a FROM clause. -#}
{% macro row_rules_duplicated(model, key) %}
    (
        select {{ key | join(', ') }}
        from {{ model }}
        group by {{ key | join(', ') }}
        having count(*) > 1
    ) as duplicated
{%- endmacro %}

{#- The intervals that are empty or that the next one of their partition starts inside, as
    a FROM clause with its WHERE. -#}
{% macro row_rules_overlapping(model, partition_by, start_column='start_at', end_column='end_at') %}
    (
        select
            {{ start_column }} as interval_start,
            {{ end_column }} as interval_end,
            lead({{ start_column }}) over (
                partition by {{ partition_by | join(', ') }} order by {{ start_column }}
            ) as next_start
        from {{ model }}
    ) as ordered
    where interval_end <= interval_start or next_start < interval_end
{%- endmacro %}

{#- The reference rows whose validity (valid_from to valid_to, both inclusive; valid_to
    null: open) is empty or holds the next row's valid_from in their partition, as a FROM
    clause with its WHERE: two rows in force on one day (R9 picks one). -#}
{% macro row_rules_overlapping_validity(model, partition_by) %}
    (
        select
            valid_from,
            valid_to,
            lead(valid_from) over (
                partition by {{ partition_by | join(', ') }} order by valid_from
            ) as next_from
        from {{ model }}
    ) as ordered
    where valid_to < valid_from or next_from <= coalesce(valid_to, next_from)
{%- endmacro %}
