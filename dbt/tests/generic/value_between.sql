{#- Every non-null value lies in [min_value, max_value] ((min_value, ...] if exclusive_min). -#}
{% test value_between(model, column_name, min_value, max_value, exclusive_min=false) %}
select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and (
        {{ column_name }} {{ '<=' if exclusive_min else '<' }} {{ min_value }}
        or {{ column_name }} > {{ max_value }}
    )
{% endtest %}
