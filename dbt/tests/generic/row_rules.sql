{#- The model's rows (matching the test's `where`, if configured) hold its rules:
    - not_null: [column, ...]                      the column is never null;
    - accepted_values: {column: [value, ...]}      a non-null value is one of these;
    - between: {column: {min_value, max_value, exclusive_min}}
                                                   a non-null value lies in the range (a bound
                                                   left out is not checked);
    - expressions: [{expression, where, name}]     the SQL expression is true (null fails) in
                                                   every row matching `where` (default all);
    - unique: [[column, ...], ...]                 each combination of columns is a key: no
                                                   two rows share its values;
    - intervals_do_not_overlap: {partition_by: [column, ...], start_column, end_column}
                                                   within each partition the [start, end)
                                                   intervals (start_at, end_at by default)
                                                   are disjoint and not empty (models that
                                                   are asof-joined downstream rely on it).
    - validity_does_not_overlap: {partition_by: [column, ...]}
                                                   within each partition no two rows' validity
                                                   (valid_from to valid_to, inclusive; null:
                                                   open) shares a day, and none is empty.
    All of a model's rules are one test, one query: every test node costs dbt about 20 ms
    of its own work whatever its SQL, and a model had up to a dozen such tests. The query
    counts each rule's rows on its own (one filter per value rule, which DuckDB answers
    from a column's statistics where it can; one pass evaluating every rule per row took
    1.3 s over the 210 million probe checks of the scaled sample, the filters 0.5 s). A
    failure returns one row per broken rule with the rows that break it (for a key, the
    key values that occur more than once); the test's failures are the sum of those. -#}
{% test row_rules(
    model, not_null=[], accepted_values={}, between={}, expressions=[], unique=[],
    intervals_do_not_overlap=none, validity_does_not_overlap=none
) %}
    {{- config(fail_calc='coalesce(sum(failing_rows), 0)') -}}
    {%- set rules = row_rules_broken_by(
        model, not_null, accepted_values, between, expressions, unique,
        intervals_do_not_overlap, validity_does_not_overlap
    ) %}
with

broken as (
    {% for label, failing in rules -%}
        select
            '{{ label | replace("'", '"') }}' as rule,
            count(*) as failing_rows
        from {{ failing }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    rule,
    failing_rows
from broken
where failing_rows > 0
{% endtest %}
