{#- Every row (matching `where`, if given) satisfies the SQL expression. -#}
{% test expression_is_true(model, expression, where_clause='true') %}
select *
from {{ model }}
where ({{ where_clause }}) and not coalesce({{ expression }}, false)
{% endtest %}
