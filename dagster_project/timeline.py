"""The warehouse's time line: the zone reports are kept in (R1) and the span of instants
it can place in a partition.

The first month is the data contract's: the reference targets are valid from
2020-01-01, so nothing earlier is reported. The last day is the day in progress
(month to date, R6): daily partitions end with it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_ZONE = "Europe/Copenhagen"
FIRST_MONTH = "2020-01-01"
# Planned service windows may be announced ahead of time, but not this far.
PLANNED_AHEAD = timedelta(days=731)


def add_months(month: date, offset: int) -> date:
    """The first day of the month `offset` months after `month`'s (before, if negative)."""
    index = month.year * 12 + month.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def local_today() -> date:
    return datetime.now(ZoneInfo(LOCAL_ZONE)).date()


def month_in_progress() -> date:
    """The first day of the Copenhagen month in progress: the last month partition."""
    return local_today().replace(day=1)


def first_instant() -> datetime:
    """The start of the first reported month, in UTC."""
    return _local_midnight(date.fromisoformat(FIRST_MONTH))


def end_of_day(day: date) -> datetime:
    """The end of a Copenhagen day, in UTC (of the day in progress: where the last daily
    partition ends)."""
    return _local_midnight(day + timedelta(days=1))


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(LOCAL_ZONE)).astimezone(UTC)
