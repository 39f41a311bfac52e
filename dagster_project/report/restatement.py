"""R14 on the report: cells whose shown value differs from an earlier published report.

A report compares each cell with the latest earlier published report that
showed the same service and month (the frozen figures in the warehouse's
`published` schema: `cells` for availability, `penalties` for penalty
amounts). Reproducing a published report compares with the reports
published before it, so it shows the same marks it was published with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from dagster_project.catalog import has_table
from dagster_project.report import danish


@dataclass(frozen=True)
class Previous:
    """R14: what an earlier published report showed for a cell, and what changed it."""

    display: str
    report_id: str  # e.g. '2023-12#1'
    published_at: datetime
    changed_by: tuple[str, ...]  # incident versions recorded after that report's instant


# Per cell, the latest earlier publication, and the incident versions now in
# force that were recorded after that publication's instant and overlap the month.
EARLIER_SQL = """
with earlier as (
    select
        cells.service_id, cells.month, cells.display,
        reports.report_id, reports.published_at, reports.as_of
    from published.{table} as cells
    inner join published.reports as reports on cells.report_id = reports.report_id
    where $before is null or reports.published_at < $before
    qualify row_number() over (
        partition by cells.service_id, cells.month order by reports.published_at desc
    ) = 1
)
select
    earlier.service_id, earlier.month, earlier.display, earlier.report_id, earlier.published_at,
    coalesce(list(
        incidents.incident_id || ' version ' || incidents.version_number
        || ' (' || strftime(timezone('Europe/Copenhagen', incidents.recorded_at), '%d.%m.%Y')
        || ')'
        order by incidents.recorded_at, incidents.incident_id
    ) filter (where incidents.incident_id is not null), []) as changed_by
from earlier
left join marts.fct_incidents as incidents
    on incidents.service_id = earlier.service_id
    and incidents.recorded_at > earlier.as_of
    and incidents.started_at
        < timezone('Europe/Copenhagen', cast(earlier.month + interval 1 month as timestamp))
    and incidents.effective_end_at
        > timezone('Europe/Copenhagen', cast(earlier.month as timestamp))
group by all
"""


def earlier_publications(
    con: duckdb.DuckDBPyConnection,
    published_before: datetime | None = None,
    table: str = "cells",
) -> dict[tuple[str, date], Previous]:
    """What reports published (before an instant, if given) showed, per (service, month), in
    the published table `table` (`cells` or `penalties`, each from before it existed: none)."""
    if not has_table(con, "published", table):
        return {}
    rows = con.execute(EARLIER_SQL.format(table=table), {"before": published_before}).fetchall()
    return {
        (service, month): Previous(shown, report_id, published_at, tuple(changed_by))
        for service, month, shown, report_id, published_at, changed_by in rows
    }


def restatement_note(months: list[date], figures: str = "SLA-tal") -> str:
    """'De tidligere oplyste SLA-tal for november og december 2023 er blevet opdateret.'"""
    by_year: dict[int, list[str]] = {}
    for month in months:
        by_year.setdefault(month.year, []).append(danish.MONTH_NAMES[month.month - 1])
    parts = [f"{danish.join_words(names)} {year}" for year, names in by_year.items()]
    return f"De tidligere oplyste {figures} for {danish.join_words(parts)} er blevet opdateret."
