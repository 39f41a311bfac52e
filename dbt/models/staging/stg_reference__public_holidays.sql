-- Danish holidays (R2): the one place models read them from.
select
    day,
    holiday_name,
    category
from {{ source('raw', 'public_holidays') }}
