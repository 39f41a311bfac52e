-- R1 for the probe checks' scans: the UTC hours of the months being built, each
-- with its Copenhagen month. Months begin on whole UTC hours, so every hour lies
-- in one month, and a scan finds a check's month by its hour index (a hash join
-- on a few thousand rows) instead of a calendar function per check.
select
    month,
    -- The month holding T ends at T, inside an hour that still belongs to it.
    {{ hour_series('month_start_at', 'month_end_at') }} as hour_index
from {{ ref('int_report_months') }}
