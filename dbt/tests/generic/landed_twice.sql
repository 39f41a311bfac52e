{#- Rows of the model (a staging model that keeps each landed row once: `select distinct`)
    that landed more than once in `landed`, the raw table it reads: the same row sent again
    (a file resent under another name). Each such row with how often it landed; the model
    counts it once, so this is a warning. A missing value matches a missing one. -#}
{% test landed_twice(model, landed, columns) %}
select
    {% for column in columns %}kept.{{ column }}, {% endfor %}
    count(*) as occurrences
from {{ model }} as kept
inner join {{ landed }} as raw_rows
    on
        {% for column in columns -%}
            kept.{{ column }} is not distinct from raw_rows.{{ column }}
            {%- if not loop.last %} and {% endif %}
        {% endfor %}
group by {% for column in columns %}kept.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
having count(*) > 1
{% endtest %}
