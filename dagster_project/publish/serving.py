"""The serving copy: the app's read-only snapshot of the warehouse after a good run."""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

import duckdb

from dagster_project.landing.checks import sql_string


def publish_serving_copy(warehouse: Path, target: Path) -> Path:
    """Copy the warehouse to `target` atomically (write aside, then rename over).

    Readers of `target` see either the previous copy or the new one, never a
    half-written file, and never hold a lock on the file the pipeline writes. The
    caller holds the warehouse's write lock.

    The copy holds the warehouse's live data only (COPY FROM DATABASE): a warehouse file
    keeps the blocks of every table a build replaced and never shrinks (79 MB at 200
    services after a year and a day, of which 66 MB free), the copy is 10 MB.
    """
    prefix, suffix = f".{target.name}.", ".tmp"
    # Copies left by a killed writer: every writer holds the warehouse lock, so none
    # of them is still being written.
    for stale in target.parent.glob(f"{glob.escape(prefix)}*{suffix}"):
        stale.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
    os.close(handle)
    try:
        _copy_live_data(warehouse, Path(temporary))
        os.chmod(temporary, 0o644)  # mkstemp makes it private; readers run as other users
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _copy_live_data(warehouse: Path, target: Path) -> None:
    """Every schema, table, view and macro of the warehouse into a new file `target`."""
    target.unlink()  # DuckDB creates it
    with duckdb.connect(str(warehouse)) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        con.execute(f"attach {sql_string(str(target))} as serving_copy")
        try:
            quoted = '"' + catalog.replace('"', '""') + '"'
            con.execute(f"copy from database {quoted} to serving_copy")
            con.execute("checkpoint serving_copy")
        finally:
            con.execute("detach serving_copy")
