"""Published reports as the readers see them (R14): the list, and a month's frozen
report read back from its canonical JSON, its hash checked. Publishing them is
publish/reports.py's job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project.catalog import has_table
from dagster_project.report.frozen import content_hash, thaw
from dagster_project.report.model import Report, parse_month


class PublishError(Exception):
    """Publishing was refused (e.g. the month is published and no reason was given), or
    a month asked for has not been published."""


@dataclass(frozen=True)
class Publication:
    report_id: str
    month: date
    as_of: datetime
    published_at: datetime
    published_by: str
    content_hash: str
    supersedes: str | None
    reason: str | None


def publications(source: Path) -> list[Publication]:
    """Every published report, oldest first."""
    with duckdb.connect(str(source), read_only=True) as con:
        if not has_published_schema(con):
            return []
        rows = con.execute(f"select {_COLUMNS} from published.reports order by published_at")
        return [Publication(*row) for row in rows.fetchall()]


def published_report(source: Path, month: str | date) -> tuple[Publication, Report]:
    """The latest published report of `month`, from its frozen figures; checks the hash."""
    month = parse_month(month)
    with duckdb.connect(str(source), read_only=True) as con:
        latest = latest_publication(con, month) if has_published_schema(con) else None
        if latest is None:
            raise PublishError(f"{month:%Y-%m} has not been published")
        (frozen,) = con.execute(
            "select report_json from published.reports where report_id = ?",
            [latest.report_id],
        ).fetchone()
    if content_hash(frozen) != latest.content_hash:
        raise PublishError(f"{latest.report_id}: frozen report does not match its hash")
    return latest, thaw(frozen)


_COLUMNS = "report_id, month, as_of, published_at, published_by, content_hash, supersedes, reason"


def latest_publication(con: duckdb.DuckDBPyConnection, month: date) -> Publication | None:
    row = con.execute(
        f"select {_COLUMNS} from published.reports where month = ? "
        "order by published_at desc limit 1",
        [month],
    ).fetchone()
    return Publication(*row) if row else None


def has_published_schema(con: duckdb.DuckDBPyConnection) -> bool:
    return has_table(con, "published", "reports")
