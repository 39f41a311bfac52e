"""The serving copy: the app's read-only snapshot of the warehouse after a good run."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.landing.checks import sql_string
from dagster_project.publish.serving_update import bring_up_to_date, mostly_live, quoted
from dagster_project.report.run_status import stamp_made

# What the app and the exports read (the marts, the load and check audit, the published
# reports) and what `report --recompute` builds the rest from (the raw layer, whose probe
# checks stay in the raw store's Parquet, and the reference data as seeded). The stage
# views and the intermediate tables are the build's own: a recomputation makes them again.
SERVED_SCHEMAS = ("raw", "seeds", "marts", "audit", "published")
PUBLISHED = "published"  # the frozen reports (report/published.py)


def publish_serving_copy(warehouse: Path, target: Path) -> Path:
    """Copy the warehouse's served schemas to `target` atomically (write aside, then
    rename over).

    Readers of `target` see either the previous copy or the new one, never a
    half-written file, and never hold a lock on the file the pipeline writes. The
    caller holds the warehouse's write lock.

    The copy holds what its readers read (SERVED_SCHEMAS), not the stage and intermediate
    tables a build leaves (60 MB of hour masks after a year at 200 services). A copy that
    exists and is mostly live data starts from itself and takes only the tables, and of
    a table by month only the months, that differ (serving_update.py: a nightly run
    rebuilds one month); otherwise it is written anew from the live data alone, where a
    warehouse file keeps the blocks of every table a build replaced and never shrinks.
    """
    made_at = datetime.now(UTC)

    def write(written: Path) -> None:
        if mostly_live(target):
            shutil.copyfile(target, written)
            bring_up_to_date(warehouse, written, SERVED_SCHEMAS)
        else:
            _copy_live_data(warehouse, written)
        with duckdb.connect(str(written)) as con:
            stamp_made(con, made_at)

    return _swapped_in(target, write)


def serve_publications(warehouse: Path, target: Path) -> Path:
    """The warehouse's published reports into the serving copy `target`, swapped in as
    `publish_serving_copy` swaps: the rest of the copy, the instant it was made included,
    stays as the last good run left it. A publication changes nothing else, and the
    warehouse may hold a run's marts that failed their checks, which the app must not
    serve. Without a serving copy yet, the whole warehouse is copied."""
    if not target.exists():
        return publish_serving_copy(warehouse, target)
    return _updated(warehouse, target, (PUBLISHED,))


def _updated(warehouse: Path, target: Path, schemas: Sequence[str]) -> Path:
    """`target` with the warehouse's `schemas` brought up to date, swapped in."""

    def write(written: Path) -> None:
        shutil.copyfile(target, written)
        bring_up_to_date(warehouse, written, schemas)

    return _swapped_in(target, write)


def _swapped_in(target: Path, write: Callable[[Path], None]) -> Path:
    """`target` replaced by the file `write` makes beside it (fsynced, readable by all)."""
    prefix, suffix = f".{target.name}.", ".tmp"
    # Copies left by a killed writer: every writer holds the warehouse lock, so none
    # of them is still being written.
    for stale in target.parent.glob(f"{glob.escape(prefix)}*{suffix}"):
        stale.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)  # mkstemp makes it private; readers run as other users
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _copy_live_data(warehouse: Path, target: Path) -> None:
    """The warehouse's served schemas, with their tables' DDL (constraints included) and
    rows, into a new file `target`."""
    target.unlink()  # DuckDB creates it
    with duckdb.connect(str(warehouse)) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        con.execute(f"attach {sql_string(str(target))} as serving_copy")
        try:
            con.execute(f"copy from database {quoted(catalog)} to serving_copy (schema)")
            for (schema,) in con.execute(
                "select schema_name from duckdb_schemas() where database_name = 'serving_copy' "
                "and not internal and schema_name not in $served",
                {"served": list(SERVED_SCHEMAS)},
            ).fetchall():
                con.execute(f"drop schema serving_copy.{quoted(schema)} cascade")
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = 'serving_copy'"
            ).fetchall():
                name = f"{quoted(schema)}.{quoted(table)}"
                con.execute(
                    f"insert into serving_copy.{name} select * from {quoted(catalog)}.{name}"
                )
            con.execute("checkpoint serving_copy")
        finally:
            con.execute("detach serving_copy")
