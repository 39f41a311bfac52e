"""R14 on the report: cells whose shown value differs from an earlier published report.

A report compares each cell with the latest earlier published report that
showed the same service and month (the frozen figures in the warehouse's
`published` schema). Reproducing a published report compares with the reports
published before it, so it shows the same marks it was published with.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING

import duckdb

from dagster_project.report import danish

if TYPE_CHECKING:
    from dagster_project.report.model import Cell, Report

EARLIER_SQL = """
select cells.service_id, cells.month, cells.display
from published.cells as cells
inner join published.reports as reports on cells.report_id = reports.report_id
where $before is null or reports.published_at < $before
qualify row_number() over (
    partition by cells.service_id, cells.month order by reports.published_at desc
) = 1
"""


def earlier_displays(
    con: duckdb.DuckDBPyConnection, published_before: datetime | None = None
) -> dict[tuple[str, date], str]:
    """What reports published (before an instant, if given) showed, per (service, month)."""
    published = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'published' "
        "and table_name = 'cells'"
    ).fetchone()[0]
    if not published:
        return {}
    rows = con.execute(EARLIER_SQL, {"before": published_before}).fetchall()
    return {(s, m): shown for s, m, shown in rows}


def mark_restated(report: Report, earlier: dict[tuple[str, date], str]) -> Report:
    """Flag changed cells and give each area with any the note naming the months."""
    areas = []
    for area in report.areas:
        rows = tuple(
            dataclasses.replace(
                row,
                cells=tuple(
                    dataclasses.replace(cell, restated=_changed(earlier, row.service_id, cell))
                    for cell in row.cells
                ),
            )
            for row in area.rows
        )
        months = sorted({c.month for r in rows for c in r.cells if c.restated})
        note = restatement_note(months) if months else None
        areas.append(dataclasses.replace(area, rows=rows, note=note))
    return dataclasses.replace(report, areas=tuple(areas))


def _changed(earlier: dict[tuple[str, date], str], service_id: str, cell: Cell) -> bool:
    shown = earlier.get((service_id, cell.month))
    return shown is not None and shown != cell.display


def restatement_note(months: list[date]) -> str:
    """'De tidligere oplyste SLA-tal for november og december 2023 er blevet opdateret.'"""
    by_year: dict[int, list[str]] = {}
    for month in months:
        by_year.setdefault(month.year, []).append(danish.MONTH_NAMES[month.month - 1])
    parts = [f"{danish.join_words(names)} {year}" for year, names in by_year.items()]
    return f"De tidligere oplyste SLA-tal for {danish.join_words(parts)} er blevet opdateret."
