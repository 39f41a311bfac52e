-- The report's areas (seed `areas`): the one place models read them from.
select
    area,
    title,
    table_heading,
    sort_order,
    reports_service_calls
from {{ ref('areas') }}
