"""Time partitions in Copenhagen (R1): probe checks and service calls are loaded per
day, the report facts are built per month.

A run over a range of partitions is one run (single-run backfill policy). A day range
loads only the rows whose instant lies in it; a month range reaches dbt as the vars
`month_from`/`month_to`, so a build only recomputes and replaces those months.
"""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg

from dagster_project.timeline import FIRST_MONTH, LOCAL_ZONE

# Dagster's run tags for a partition range (one run over many partitions).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

# end_offset=1: the day and the month in progress are partitions too (month to date, R6).
daily = dg.DailyPartitionsDefinition(start_date=FIRST_MONTH, timezone=LOCAL_ZONE, end_offset=1)
monthly = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, timezone=LOCAL_ZONE, end_offset=1)


def month_key(month: date | datetime) -> str:
    """A month's partition key: '2024-01-01'."""
    return f"{month:%Y-%m}-01"


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover the months `first`..`last` (partition keys)."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def days_of_months(first: str, last: str) -> tuple[str, str]:
    """The day partitions of the months `first`..`last`, up to the day in progress."""
    end = monthly.time_window_for_partition_key(last).end
    days = daily.get_partition_keys_in_time_window(dg.TimeWindow(_start(first), end))
    return days[0], min(days[-1], daily.get_last_partition_key())


def months_of_days(first: str, last: str) -> tuple[str, str]:
    """The month partitions holding the days `first`..`last`."""
    return f"{first[:7]}-01", f"{last[:7]}-01"


def _start(month: str) -> datetime:
    return monthly.time_window_for_partition_key(month).start


def dbt_window_vars(window: dg.TimeWindow) -> dict[str, str]:
    """The dbt vars of a run's time window: its first and last month, inclusive."""
    first = window.start.date()
    last_start = monthly.get_partition_keys_in_time_window(window)[-1]
    return {"month_from": f"{first:%Y-%m-%d}", "month_to": last_start}
