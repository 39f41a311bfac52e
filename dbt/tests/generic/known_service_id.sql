{#- The service id is one the feeds may name: a report row's, or the one its service-time
    classes are measured as (R2, services.measured_as); the loader's and GX's set. -#}
{% test known_service_id(model, column_name) %}
select {{ column_name }}
-- Each unknown id once: its checks may be hundreds of millions of rows, their ids a few.
from (select distinct {{ column_name }} from {{ model }}) as named
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        select service_id from {{ ref('stg_reference__services') }}
        union
        select measured_service_id from {{ ref('stg_reference__services') }}
    )
{% endtest %}
