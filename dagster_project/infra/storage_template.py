"""A new SQLite Dagster home's storage, copied from an empty one made once per version.

Dagster creates a new home's three SQLite databases (runs, the event log's asset
index, schedules) by creating their tables and stamping their schema version with
alembic, which reads its migration scripts: 0.3 s of a first run on a new warehouse
(every benchmark run, every test's warehouse), where opening an existing home takes
0.04 s. So the first home this Dagster version makes is kept as a template
(`dbt/target/dagster-storage/<version>-<layout>/`, beside the project's other caches), and a
new home starts from copies of its files. A file that exists is never replaced: each
copy is linked into place only where no database is yet (a process that made one
meanwhile keeps its own).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import dagster as dg

from dagster_project.settings import REPO_ROOT

TEMPLATES = REPO_ROOT / "dbt" / "target" / "dagster-storage"


def seed_storage(home: Path, database_files: list[Path], make_home: Callable[[Path], None]) -> None:
    """Copy the template's databases into `home` where they are missing. `database_files`:
    the storage's files, relative to a home; `make_home(folder)`: writes a home's
    dagster.yaml, with the same storage layout, into `folder`."""
    if all((home / relative).exists() for relative in database_files):
        return
    template = _template(database_files, make_home)
    for relative in database_files:
        target, source = home / relative, template / relative
        if target.exists() or not source.exists():
            continue  # the home's own, or (a template damaged since) one Dagster creates
        target.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own (two processes may copy at once), made with the umask's mode.
        partial = target.with_name(f".{target.name}.{secrets.token_hex(8)}")
        try:
            shutil.copyfile(source, partial)
            os.link(partial, target)  # fails where another process made it meanwhile
        except FileExistsError:
            pass
        finally:
            partial.unlink(missing_ok=True)


def _template(database_files: list[Path], make_home: Callable[[Path], None]) -> Path:
    """The template of this Dagster version, made now if there is none."""
    layout = hashlib.sha256(" ".join(map(str, database_files)).encode()).hexdigest()[:8]
    template = TEMPLATES / f"{dg.__version__}-{layout}"
    if all((template / relative).exists() for relative in database_files):
        return template
    try:
        TEMPLATES.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=TEMPLATES, prefix=".partial-"))
    except OSError:  # a read-only installation: Dagster creates every new home's storage
        return template
    try:
        make_home(scratch)
        with dg.DagsterInstance.from_config(str(scratch)) as instance:
            instance.get_run_records(limit=1)  # creates the run storage
            instance.all_instigator_state()  # and the schedule storage
        for relative in database_files:
            # Everything in the database file itself: a copy of it alone is whole.
            with closing(sqlite3.connect(scratch / relative)) as connection:
                connection.execute("pragma wal_checkpoint(truncate)")
        os.rename(scratch, template)
    except OSError:  # another process made it meanwhile (theirs is the same), or it failed
        pass
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # gone once renamed
    return template
