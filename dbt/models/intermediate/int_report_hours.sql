-- R1 for the probe checks' scans: the UTC hours of the months being built, each
-- with its Copenhagen month. Months begin on whole UTC hours, so every hour lies
-- in one month, and a scan finds a check's month by its hour index (a hash join
-- on a few thousand rows) instead of a calendar function per check.
select
    month,
    unnest(range(
        epoch_us(month_start_at) // 3600000000,
        -- The month holding T ends at T, inside an hour that still belongs to it.
        (epoch_us(month_end_at) + 3599999999) // 3600000000
    )) as hour_index
from {{ ref('int_report_months') }}
