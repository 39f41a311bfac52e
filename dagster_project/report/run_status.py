"""When the figures the app shows were computed, and whether a run after them failed.

The serving copy carries the instant it was made (`MADE_TABLE`, written by
publish/serving.py as it swaps a new copy in after a good run; a publication, which
changes no figure, keeps it). A failed pipeline run leaves the serving copy as it was,
so it cannot say so there: it writes its alert (infra/webhook.py's payload: one line of
text, the instant, the failed checks and steps) to a record beside the warehouse
(settings.failed_run_record_of), by `driftsstatus run` and, for runs the daemon
launches, by the run failure sensor (defs/alerts.py). A run failed after the copy was
made when its record is newer than the copy.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.catalog import has_table

MADE_TABLE = "serving.copy_made"  # one row: made_at


@dataclass(frozen=True)
class RunStatus:
    made_at: datetime | None  # when the figures were computed (the good run's end)
    data_until: datetime | None  # the newest probe check among them
    failed_at: datetime | None = None  # a run that failed since
    failure: str = ""  # what it said

    @property
    def failed_since(self) -> bool:
        return self.failed_at is not None and (
            self.made_at is None or self.failed_at > self.made_at
        )


def stamp_made(con: duckdb.DuckDBPyConnection, made_at: datetime) -> None:
    """Record in the copy `con` is connected to that it was made at `made_at`."""
    schema = MADE_TABLE.split(".")[0]
    con.execute(f"create schema if not exists {schema}")
    con.execute(
        f"create or replace table {MADE_TABLE} as select ?::timestamptz as made_at", [made_at]
    )


def record_failed_run(record: Path, alert: dict) -> None:
    """Write a failed run's alert (with its instant, "at") to `record`, atomically: the
    app reads either the last record or this one."""
    handle, temporary = tempfile.mkstemp(dir=record.parent, prefix=f".{record.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(alert, out, ensure_ascii=False)
        os.chmod(temporary, 0o644)  # readers (the app) may run as another user
        os.replace(temporary, record)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run_status(serving_copy: Path, record: Path) -> RunStatus:
    """The serving copy's instant and newest probe check, and the failed run recorded in
    `record` if there is one."""
    with duckdb.connect(str(serving_copy), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        # A copy made before the stamp existed has none.
        (made_at,) = (
            con.execute(f"select max(made_at) from {MADE_TABLE}").fetchone()
            if has_table(con, *MADE_TABLE.split("."))
            else (None,)
        )
        (data_until,) = (
            con.execute(
                "select max(max_loaded_at) from audit.source_freshness "
                "where source = 'raw.probe_checks'"
            ).fetchone()
            if has_table(con, "audit", "source_freshness")
            else (None,)
        )
    try:
        alert = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return RunStatus(made_at, data_until)
    return RunStatus(made_at, data_until, datetime.fromisoformat(alert["at"]), alert["text"])
