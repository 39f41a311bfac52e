"""Recurring service windows (R3), declared once in the reference data
(`recurring_windows.csv`) with an RFC 5545 recurrence rule, expanded here with
dateutil's maintained `rrule` into `raw.recurring_window_occurrences`: one row per
occurrence, with the announcement of the declaration that made it.

A declaration's rule runs from `starts_local` (DTSTART, Copenhagen wall-clock: the
third Thursday at 18:00 is 18:00 in winter and in summer) and each occurrence lasts
`duration_minutes` of elapsed time. Occurrences are written from the first reported
month up to as far ahead as a window may be announced (timeline.PLANNED_AHEAD).
Which declaration governs an occurrence, and whether it was planned, is the models'
business (int_recurring_window_occurrences): a declaration changed later never
re-plans the occurrences before its announcement.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from dateutil.rrule import rrulestr

from dagster_project.landing.derived import replace_rows
from dagster_project.timeline import (
    LOCAL_ZONE,
    PLANNED_AHEAD,
    end_of_day,
    first_instant,
    local_today,
)

FILE_NAME = "recurring_windows.csv"
# A service window recurs daily at most; a finer rule is a mistake, not a declaration.
FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")


class DeclarationError(ValueError):
    """A row of recurring_windows.csv that cannot be expanded, with its line and reason."""


@dataclass(frozen=True)
class Declaration:
    window_id: str
    service_id: str
    rrule: str
    starts_local: datetime  # naive, Copenhagen wall-clock
    duration: timedelta
    announced_at: datetime
    description: str

    def occurrences(self, until: datetime) -> list[tuple[datetime, datetime]]:
        """[start, end) in UTC of every occurrence from the first reported month on
        that starts before `until`."""
        zone = ZoneInfo(LOCAL_ZONE)
        rule = rrulestr(self.rrule, dtstart=self.starts_local)
        first = first_instant().astimezone(zone).replace(tzinfo=None)
        last = until.astimezone(zone).replace(tzinfo=None)
        out = []
        for local in rule.between(first, last, inc=True):
            start = local.replace(tzinfo=zone).astimezone(UTC)
            if start < until:
                out.append((start, start + self.duration))
        return out


def read_declarations(reference_dir: Path) -> list[Declaration]:
    """The declarations of the reference folder; none when it has no such file (a folder
    from before recurring windows)."""
    path = reference_dir / FILE_NAME
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [_declaration(row, line) for line, row in enumerate(csv.DictReader(handle), 2)]


def _declaration(row: dict[str, str], line: int) -> Declaration:
    def fail(column: str, reason: str) -> DeclarationError:
        return DeclarationError(f"{FILE_NAME} line {line}: {column}: {reason}")

    rule = (row.get("rrule") or "").strip().removeprefix("RRULE:")
    frequency = re.fullmatch(r"(?:.*;)?FREQ=(\w+)(?:;.*)?", rule)
    if "\n" in rule or ":" in rule or frequency is None:
        raise fail("rrule", f"not one RRULE value in {rule!r}")
    if frequency[1] not in FREQUENCIES:
        raise fail("rrule", f"FREQ={frequency[1]} recurs more often than daily")
    try:
        starts_local = datetime.fromisoformat(row["starts_local"])
        announced_at = datetime.fromisoformat(row["announced_at"])
        minutes = int(row["duration_minutes"])
        rrulestr(rule, dtstart=starts_local)
    except (KeyError, TypeError, ValueError) as error:
        raise fail("row", str(error)) from error
    if starts_local.tzinfo is not None:
        raise fail("starts_local", "is local wall-clock time, without an offset")
    if announced_at.tzinfo is None:
        raise fail("announced_at", "has no UTC offset")
    if minutes <= 0:
        raise fail("duration_minutes", f"not above 0 in {minutes}")
    return Declaration(
        window_id=row["window_id"],
        service_id=row["service_id"],
        rrule=rule,
        starts_local=starts_local,
        duration=timedelta(minutes=minutes),
        announced_at=announced_at.astimezone(UTC),
        description=row.get("description") or "",
    )


def load_recurring_windows(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> int:
    """Replace raw.recurring_window_occurrences with the reference folder's declarations
    expanded; the occurrences written."""
    until = end_of_day(local_today()) + PLANNED_AHEAD
    rows = [
        (d.window_id, d.service_id, d.announced_at, start, end, d.description)
        for d in read_declarations(reference_dir)
        for start, end in d.occurrences(until)
    ]
    return replace_rows(con, "raw.recurring_window_occurrences", rows)
