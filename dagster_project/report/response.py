"""Response times in the report: per area, the report month's figures of the services with a
response-time target, as `fct_monthly_response_times` computed them (fractiles, share within
the threshold, verdict). Only selects and words; nothing here rounds or ranks a figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from dagster_project.catalog import has_table
from dagster_project.report import danish

RESPONSE_HEADING = "Svartider"
NOT_AVAILABLE = "n/a"
SHARE_COLUMN = "Inden for grænsen"  # the column a verdict colours
# Column headings of the response-time table, as every export prints them.
RESPONSE_COLUMNS = (
    "Driftsområde", "Mål", "p50", "p90", "p99", SHARE_COLUMN, "Opfyldt", "Målte tjek",
    "Nede", "Uden svartid",
)  # fmt: skip
VERDICTS = {True: "Ja", False: "Nej", None: NOT_AVAILABLE}


@dataclass(frozen=True)
class ResponseRow:
    """One service's response times in the report month against its target."""

    service_id: str
    label: str
    fractile_pct: Decimal  # the target: this share of measured checks ...
    threshold_ms: int  # ... within this many milliseconds
    p50_ms: int | None  # nearest rank over the measured checks; None without any
    p90_ms: int | None
    p99_ms: int | None
    share_display: str  # '93,41%' or 'n/a', rounded in SQL
    share_pct: float | None  # unrounded, for machines; never shown
    target_met: bool | None  # the displayed share against fractile_pct (R9's rule)
    measured_checks: int
    down_checks: int
    unmeasured_checks: int

    @property
    def target_display(self) -> str:
        """'90,00% ≤ 2.000 ms'."""
        return f"{danish.pct(self.fractile_pct)} ≤ {milliseconds(self.threshold_ms)}"

    @property
    def verdict(self) -> str:
        return VERDICTS[self.target_met]

    @property
    def texts(self) -> tuple[str, ...]:
        """The row as printed, one text per column of RESPONSE_COLUMNS."""
        return (
            self.label, self.target_display, milliseconds(self.p50_ms),
            milliseconds(self.p90_ms), milliseconds(self.p99_ms), self.share_display,
            self.verdict, danish.integer(self.measured_checks), danish.integer(self.down_checks),
            danish.integer(self.unmeasured_checks),
        )  # fmt: skip


@dataclass(frozen=True)
class ResponseTable:
    """An area's response-time table: its services with a target in the report month."""

    heading: str  # 'Svartider', an en dash, 'januar 2024'
    rows: tuple[ResponseRow, ...]
    columns: tuple[str, ...] = RESPONSE_COLUMNS


def milliseconds(value: int | None) -> str:
    """'1.234 ms', or 'n/a' for a month without measured checks."""
    return NOT_AVAILABLE if value is None else f"{danish.integer(value)} ms"


_RESPONSE_SQL = """
select r.area, r.service_id, s.label, r.fractile_pct, r.threshold_ms, r.p50_ms, r.p90_ms,
       r.p99_ms, r.within_threshold_display, r.within_threshold_pct, r.target_met,
       r.measured_checks, r.down_checks, r.unmeasured_checks
from marts.fct_monthly_response_times as r
join marts.dim_services as s using (service_id)
where r.month = ?
order by s.sort_order, r.service_id
"""


def response_tables(con: duckdb.DuckDBPyConnection, month: date) -> dict[str, ResponseTable]:
    """area -> its response-time table in `month`; an area without targets has none."""
    # A serving copy from before response times: none yet.
    if not has_table(con, "marts", "fct_monthly_response_times"):
        return {}
    rows: dict[str, list[ResponseRow]] = {}
    for area, *values in con.execute(_RESPONSE_SQL, [month]).fetchall():
        rows.setdefault(area, []).append(_row(*values))
    heading = f"{RESPONSE_HEADING} {danish.EN_DASH} {danish.month_name(month)}"
    return {area: ResponseTable(heading, tuple(found)) for area, found in rows.items()}


def _row(service_id, label, fractile, threshold, p50, p90, p99, share, pct, met, *counts):
    return ResponseRow(
        service_id, label, Decimal(str(fractile)), int(threshold), p50, p90, p99, share,
        None if pct is None else float(pct), met, *(int(c) for c in counts),
    )  # fmt: skip
