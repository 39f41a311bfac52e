"""Load landing files into the raw tables: one transaction per file.

A file is known by its path and content hash (audit.loaded_files): an unchanged
file is skipped, a changed file replaces the rows it gave before, a file gone
from the landing folder takes its rows with it (audit.removed_files). Every data
row ends up in its raw table or in audit.rejected_rows with a reason; a file that
cannot be read at all is recorded in audit.rejected_files and leaves the warehouse
as it was. A landing or source folder that is missing, unreadable or suddenly empty
while the warehouse holds rows from it stops the load (`LandingUnavailable`): an
unmounted share must not look like every file removed.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.landing import store, witness
from dagster_project.landing.checks import (
    TimeLimits,
    checked_rows_sql,
    sql_string,
    value_of,
    valued_rows_sql,
)
from dagster_project.landing.reading import FileRejected, drop_temp, explain, stage_file
from dagster_project.landing.sources import SOURCES, Source
from dagster_project.reference import known_service_ids
from dagster_project.settings import DEFAULT_REFERENCE_DIR

# The blocking check that every data row of every file is loaded or rejected.
ACCOUNTED = "every_row_accounted_for"
RAW_SCHEMA = (Path(__file__).with_name("raw_schema.sql")).read_text()
# [start, end) of a partition load; None loads whole files.
Window = tuple[datetime, datetime] | None
WHOLE = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
# DuckDB errors that say the machine, not the file, failed: they fail the load.
_MACHINE_PROBLEMS = (duckdb.OutOfMemoryException, duckdb.InterruptException)
_OUR_SQL_PROBLEMS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)


@dataclass
class LoadSummary:
    source: str
    files_loaded: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    files_removed: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_removed: int = 0
    rejected_files: list[tuple[str, str]] = field(default_factory=list)
    removed_files: list[tuple[str, int]] = field(default_factory=list)  # (file, rows)
    loaded_files: list[str] = field(default_factory=list)

    @property
    def changed_files(self) -> list[str]:
        """The files whose rows this load changed: loaded again, or gone."""
        return self.loaded_files + [name for name, _ in self.removed_files]

    def as_metadata(self) -> dict[str, int]:
        return {
            "files_loaded": self.files_loaded,
            "files_skipped": self.files_skipped,
            "files_rejected": self.files_rejected,
            "files_removed": self.files_removed,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "rows_removed": self.rows_removed,
        }


class LandingUnavailable(Exception):
    """The landing folder cannot be trusted to show what landed: nothing is changed."""


@dataclass(frozen=True)
class _File:
    """One landing file to load over a window."""

    source: Source
    path: Path
    name: str  # relative to the landing folder
    sha: str
    bounds: tuple[datetime, datetime]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("set TimeZone = 'UTC'")
    for source in SOURCES:
        # A warehouse from before the raw store held its Parquet-landed rows in a table:
        # they are rows like any text-landed ones.
        if source.kept_in_store and _exists(con, "duckdb_tables()", source.name):
            con.execute(f"alter table {source.table} rename to {source.name}_rows")
    con.execute(RAW_SCHEMA)
    for source in SOURCES:
        if source.kept_in_store and not _exists(con, "duckdb_views()", source.name):
            store.refresh_view(con, source)


def _exists(con: duckdb.DuckDBPyConnection, catalog: str, name: str) -> bool:
    kind = "table" if "tables" in catalog else "view"
    return bool(
        con.execute(
            f"select 1 from {catalog} where schema_name = 'raw' and {kind}_name = ? "
            "and database_name = current_database()",
            [name],
        ).fetchall()
    )


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def landed_files(landing_dir: Path, source: Source) -> list[Path]:
    """Every file under <landing_dir>/<source>/ (symlinks followed, hidden files and
    folders skipped: partial uploads); [] when the folder does not exist.

    Raises LandingUnavailable when the folder or a subfolder cannot be read.
    """
    folder = landing_dir / source.name
    if not os.path.lexists(folder):
        return []
    try:
        status = os.stat(folder)
    except OSError as problem:  # a symlink loop, a dead mount
        raise LandingUnavailable(f"{source.name}/ in {landing_dir}: {problem.strerror}") from None
    if not stat.S_ISDIR(status.st_mode) or not os.access(folder, os.R_OK | os.X_OK):
        raise LandingUnavailable(f"{source.name}/ in {landing_dir} is not a readable folder")
    found, seen = [], set()

    def unreadable(problem: OSError) -> None:
        raise LandingUnavailable(f"{problem.filename}: {problem.strerror}")

    for top, folders, files in os.walk(folder, onerror=unreadable, followlinks=True):
        here = os.stat(top)
        if (here.st_dev, here.st_ino) in seen:  # a symlink back up the tree
            folders.clear()
            continue
        seen.add((here.st_dev, here.st_ino))
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        found += [Path(top) / f for f in files if not f.startswith(".")]
    return sorted(p for p in found if p.is_file())


def is_loadable(source: Source, path: Path) -> bool:
    return path.name.lower().endswith(source.file_types)


def check_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    sources: list[Source],
    allow_empty: frozenset[str] = frozenset(),
) -> None:
    """Refuse to load when the landing folder looks unmounted or a source folder looks
    emptied by accident: missing, unreadable, or without one loadable file while the
    warehouse holds rows from it (unless the source is in `allow_empty`)."""
    if not landing_dir.is_dir():
        raise LandingUnavailable(
            f"the landing folder {landing_dir} is missing or not a folder (an unmounted "
            "share?); nothing was loaded or removed"
        )
    ensure_raw_schema(con)
    problems = []
    for source in sources:
        if any(is_loadable(source, p) for p in landed_files(landing_dir, source)):
            continue
        files, rows = con.execute(
            "select count(*), coalesce(sum(rows_loaded + rows_rejected), 0) "
            "from audit.loaded_files where source = ?",
            [source.name],
        ).fetchone()
        if files and source.name not in allow_empty:
            problems.append(
                f"{source.name}/ holds no loadable file while the warehouse holds {rows:,} "
                f"rows from {files} file(s) of it"
            )
    if problems:
        raise LandingUnavailable(
            f"{'; '.join(problems)} (in {landing_dir}); nothing was loaded or removed. "
            "To remove them on purpose: driftsstatus run --allow-empty "
            + ",".join(p.split("/", 1)[0] for p in problems)
        )


def load_source(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: Source,
    window: Window = None,
    allow_empty: frozenset[str] = frozenset(),
    reference_dir: Path = DEFAULT_REFERENCE_DIR,
    on_loaded: Callable[[str, int], None] | None = None,
) -> LoadSummary:
    """Bring raw.<source> in line with the files in <landing_dir>/<source>/.

    With a `window` (a daily partition range), only rows whose instant lies in it are
    replaced: every other day keeps what it had. `on_loaded(file, loading)` is told of
    each file as its load is committed, with how many files this load loads.
    """
    check_landing(con, landing_dir, [source], allow_empty)
    if source.kept_in_store:
        store.refresh_view(con, source)  # its copies' paths, wherever the warehouse is now
    bounds = window or WHOLE
    limits = TimeLimits.now()
    summary = LoadSummary(source.name)
    services = known_service_ids(reference_dir)
    present = set()
    changed = True  # until the load has run through: a failed one may have changed rows
    try:
        to_load = []
        for path in landed_files(landing_dir, source):
            name = path.relative_to(landing_dir).as_posix()
            present.add(name)
            landed = _File(source, path, name, file_hash(path), bounds)
            if _nothing_to_do(con, landed, limits):
                summary.files_skipped += 1
            else:
                to_load.append(landed)
        for landed in to_load:
            try:
                loaded, rejected = _load_or_reject(con, landed, services, limits)
            except FileRejected as problem:
                summary.files_rejected += 1
                summary.rejected_files.append((landed.name, str(problem)))
                continue
            if on_loaded is not None:
                on_loaded(landed.name, len(to_load))
            summary.files_loaded += 1
            summary.loaded_files.append(landed.name)
            summary.rows_loaded += loaded
            summary.rows_rejected += rejected
        summary.removed_files = _forget_missing(con, source, present, bounds)
        summary.files_removed = len(summary.removed_files)
        summary.rows_removed = sum(rows for _, rows in summary.removed_files)
        changed = bool(summary.files_loaded or summary.files_removed)
    finally:
        # Once for the load, not for each file (planning the view's every part, 0.4 s at
        # 200 daily files, made a load of many files quadratic), and not when the load
        # changed no part: within the load the loader reads a file's rows from its own
        # parts (store.file_rows), and a load killed before this line leaves a view that
        # the next load's start renews.
        if source.kept_in_store and changed:
            store.refresh_view(con, source)
    if source.kept_in_store:
        store.sweep(con, source)
    return summary


def _nothing_to_do(con: duckdb.DuckDBPyConnection, landed: _File, limits: TimeLimits) -> bool:
    """This content of the file was loaded over the window (or has no rows in it), and no
    row it had to reject as lying ahead of the day in progress may be placeable now."""
    seen = con.execute(
        "select first_at, last_at, rows_beyond > 0 and horizon < ? from audit.loaded_files "
        "where source = ? and file = ? and sha256 = ?",
        [limits.horizon, landed.source.name, landed.name, landed.sha],
    ).fetchone()
    if seen is None or seen[2]:
        return False
    first_at, last_at, _ = seen
    start, end = landed.bounds
    if first_at is None or first_at >= end or last_at < start:
        return True
    return (
        con.execute(
            "select 1 from audit.loaded_windows where source = ? and file = ? and sha256 = ? "
            "and start_at <= ? and end_at >= ?",
            [landed.source.name, landed.name, landed.sha, start, end],
        ).fetchone()
        is not None
    )


def _load_or_reject(
    con: duckdb.DuckDBPyConnection, landed: _File, services: list[str], limits: TimeLimits
) -> tuple[int, int]:
    """Load the file in one transaction, or record why it cannot be read at all (once per
    content) and leave the warehouse as it was."""
    known = con.execute(
        "select reason from audit.rejected_files where source = ? and file = ? and sha256 = ?",
        [landed.source.name, landed.name, landed.sha],
    ).fetchone()
    if known:  # rejected before with this content: say so again, record it once
        raise FileRejected(known[0])
    try:
        if not is_loadable(landed.source, landed.path):
            raise FileRejected(
                f"not a file type of {landed.source.name}/ (the contract reads "
                f"{', '.join(landed.source.file_types)})"
            )
        return _load_file(con, landed, services, limits)
    except FileRejected as problem:
        con.execute(
            "insert into audit.rejected_files values (?, ?, ?, ?, now())",
            [landed.source.name, landed.name, landed.sha, str(problem)],
        )
        raise


def _load_file(
    con: duckdb.DuckDBPyConnection, landed: _File, services: list[str], limits: TimeLimits
) -> tuple[int, int]:
    con.execute("begin transaction")
    try:
        counts = _replace_rows(con, landed, services, limits)
        _record_load(con, landed, limits, counts)
        con.execute("commit")
    except BaseException as error:
        _rollback(con)
        if isinstance(error, duckdb.Error) and not isinstance(
            error, _MACHINE_PROBLEMS + _OUR_SQL_PROBLEMS
        ):
            if "No space left" in str(error):
                raise
            # Reading the file failed halfway (a damaged Parquet page, a value no column holds).
            raise FileRejected(explain(error)) from error
        raise
    finally:
        for name in ("checked", "valued", "staged"):
            drop_temp(con, name)
    return counts["loaded"], counts["rejected"]


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the file's transaction, if a failed commit has not ended it already."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("rollback")


def _replace_rows(
    con: duckdb.DuckDBPyConnection, landed: _File, services: list[str], limits: TimeLimits
) -> dict:
    """Replace the file's rows and rejects in the window; the counts of what it holds."""
    if _is_empty(landed.path):
        raise FileRejected("empty file")
    # A Parquet file is kept as it is (landing/store.py) and read from the kept copy; a
    # text file of such a source is kept as its typed records once they are checked.
    parquet = landed.path.name.lower().endswith(".parquet")
    path, exact = (
        store.keep(con, landed.source, landed.path, landed.sha) if parquet else (landed.path, False)
    )
    native = stage_file(con, landed.source, path)
    _delete_rows_of(con, landed.source, landed.name, landed.bounds)
    # The instants whose statistics the copy states exactly: the witnesses read them there.
    stated = native & frozenset(landed.source.time_columns) if exact else frozenset()
    clean = (
        witness.clean_file(con, landed.source, services, native, limits, stated)
        if parquet
        else None
    )
    _check_rows(con, landed, services, limits, native, parquet)
    rejected = 0 if clean else _insert_rejects(con, landed)
    loaded = _insert_good_rows(con, landed, native, parquet, clean.as_is if clean else frozenset())
    counts = _clean_counts(landed, clean) or _file_counts(con, landed, limits, native, parquet)
    if loaded is None:
        # The copy's rows in the window are those placed there but not rejected: what
        # the raw view reads (every_row_accounted_for counts the view itself).
        (placed_rejects,) = con.execute(
            "select count(*) from audit.rejected_rows where source = ? and file = ? "
            "and sha256 = ? and row_at >= ? and row_at < ?",
            [landed.source.name, landed.name, landed.sha, *landed.bounds],
        ).fetchone()
        loaded = counts["placed"] - placed_rejects
    return {"loaded": loaded, "rejected": rejected, **counts}


def _check_rows(
    con: duckdb.DuckDBPyConnection,
    landed: _File,
    services: list[str],
    limits: TimeLimits,
    native: frozenset[str],
    parquet: bool,
) -> None:
    """`valued`: the staged rows typed, with their instant (`_at`) and whether it lies in
    the window (`_in`); `checked`: those with their reject reason (`_reason`, null if
    good). Parquet is read in place, its rows checked as they stream through; text is
    staged as text already, so its checks are computed once and kept."""
    source = landed.source
    # A row's instant (its first time column) places it in a window; a row whose instant
    # cannot be read or placed is a reject in every window.
    time_column = next(c for c in source.columns if c.name == source.time_columns[0])
    instant = limits.placeable(value_of(time_column, time_column.name in native), time_column)
    start, end = (f"timestamptz '{bound.isoformat()}'" for bound in landed.bounds)
    con.execute(
        f"create temp view valued as select *, (_at >= {start} and _at < {end}) as _in "
        f"from (select *, {instant} as _at from ({valued_rows_sql(source, native)}))"
    )
    kind = "view" if parquet else "table"
    con.execute(
        f"create temp {kind} checked as "
        + checked_rows_sql(source, services, native, limits, "valued")
    )


def _insert_rejects(con: duckdb.DuckDBPyConnection, landed: _File) -> int:
    """Every failing row of the window (and every undated one) into audit.rejected_rows."""
    (rejected,) = con.execute(
        "insert into audit.rejected_rows "
        "(source, file, line_number, reason, raw_line, row_at, sha256) "
        "select ?, ?, _line, _reason, _raw, _at, ? from checked "
        "where _reason is not null and (_in or _at is null)",
        [landed.source.name, landed.name, landed.sha],
    ).fetchone()
    return rejected


def _insert_good_rows(
    con: duckdb.DuckDBPyConnection,
    landed: _File,
    native: frozenset[str],
    parquet: bool,
    as_is: frozenset[str],
) -> int | None:
    """The window's good rows into the raw table, or for a source kept in the store its
    copy recorded as a part of the raw view (`as_is`: its text columns that need no
    trimming); how many rows were inserted (None for a part: counted with the file's
    other counts)."""
    source = landed.source
    if source.kept_in_store:
        if parquet:
            store.record_types(con, source, landed.sha, as_is)
        else:
            store.keep_records(con, source, landed.sha)
        store.add_part(con, source, landed.name, landed.sha, landed.bounds)
        return None
    columns = ", ".join(c.name for c in source.columns)
    values = ", ".join(value_of(c, c.name in native) for c in source.columns)
    (loaded,) = con.execute(
        f"insert into {source.rows_table} ({columns}, _file, _line) "
        f"select {values}, ?, _line from checked where _reason is null and _in",
        [landed.name],
    ).fetchone()
    return loaded


def _file_counts(
    con: duckdb.DuckDBPyConnection,
    landed: _File,
    limits: TimeLimits,
    native: frozenset[str],
    parquet: bool,
) -> dict:
    """The file's rows in the window, data rows, first and last instants, rows beyond the
    day in progress, rows pending a later window, and rows placed in this one. They need
    its time columns alone: for Parquet, read without the checks; for text, from the
    checked rows kept."""
    beyond = " or ".join(
        limits.beyond(value_of(c, c.name in native), c)
        for c in landed.source.columns
        if c.kind == "timestamp"
    )
    counts = con.execute(
        f"select count(*) filter (_in or _at is null) as in_window, "
        f"count(*) as data_rows, min(_at) as first_at, max(_at) as last_at, "
        f"count(*) filter ({beyond}) as beyond, "
        f"count(*) filter (_at is not null and not ({_covered(con, landed, '_at')})) "
        f"as pending, count(*) filter (_in) as placed from {'valued' if parquet else 'checked'}"
    ).fetchone()
    keys = ("in_window", "data_rows", "first_at", "last_at", "beyond", "pending", "placed")
    return dict(zip(keys, counts, strict=True))


def _clean_counts(landed: _File, clean: witness.CleanFile | None) -> dict | None:
    """_file_counts of a clean file wholly inside the window, without reading it: every
    row is placeable and placed in this window, none beyond or pending."""
    start, end = landed.bounds
    if not clean or clean.first_at is None or clean.first_at < start or clean.last_at >= end:
        return None
    rows = clean.rows
    return {
        "in_window": rows,
        "data_rows": rows,
        "first_at": clean.first_at,
        "last_at": clean.last_at,
        "beyond": 0,
        "pending": 0,
        "placed": rows,
    }


def _covered(con: duckdb.DuckDBPyConnection, landed: _File, instant: str) -> str:
    """SQL: the instant lies in a window this content of the file has been loaded over
    (this one included). Rows outside every such window wait for a later load."""
    windows = con.execute(
        "select start_at, end_at from audit.loaded_windows where source = ? and file = ? "
        "and sha256 = ?",
        [landed.source.name, landed.name, landed.sha],
    ).fetchall()
    return " or ".join(
        f"({instant} >= timestamptz '{start.isoformat()}' and "
        f"{instant} < timestamptz '{end.isoformat()}')"
        for start, end in [*windows, landed.bounds]
    )


def _record_load(
    con: duckdb.DuckDBPyConnection, landed: _File, limits: TimeLimits, counts: dict
) -> None:
    """The file's registry entry (totals now in the tables) and the window just loaded."""
    source, name = landed.source, landed.name
    rows_loaded = _rows_now(con, landed, counts["loaded"])
    rows_rejected = con.execute(
        "select count(*) from audit.rejected_rows where source = ? and file = ?",
        [source.name, name],
    ).fetchone()[0]
    con.execute(
        "insert or replace into audit.loaded_files (source, file, sha256, data_rows, "
        "rows_loaded, rows_rejected, loaded_at, first_at, last_at, horizon, rows_beyond, "
        "rows_pending) values (?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?)",
        [
            source.name,
            name,
            landed.sha,
            counts["data_rows"],
            rows_loaded,
            rows_rejected,
            counts["first_at"],
            counts["last_at"],
            limits.horizon,
            counts["beyond"],
            counts["pending"],
        ],
    )
    # Windows of another content, or inside this one, no longer describe the tables.
    con.execute(
        "delete from audit.loaded_windows where source = ? and file = ? "
        "and (sha256 != ? or (start_at >= ? and end_at <= ?))",
        [source.name, name, landed.sha, *landed.bounds],
    )
    con.execute(
        "insert into audit.loaded_windows values (?, ?, ?, ?, ?, ?)",
        [source.name, name, landed.sha, *landed.bounds, counts["in_window"]],
    )
    # The file reads now: an earlier verdict on another content of it is history.
    con.execute(
        "delete from audit.rejected_files where source = ? and file = ?", [source.name, name]
    )


def _delete_rows_of(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, bounds: tuple
) -> int:
    """The file's rows and rejects in the window (undated rejects belong to every window);
    how many there were."""
    at = source.time_columns[0]
    rows = rows_of_file(con, source, name, bounds)
    con.execute(
        f"delete from {source.rows_table} where _file = ? and {at} >= ? and {at} < ?",
        [name, *bounds],
    )
    if source.kept_in_store:
        store.clip_parts(con, source, name, bounds)
    (rejects,) = con.execute(
        "delete from audit.rejected_rows where source = ? and file = ? "
        "and (row_at is null or (row_at >= ? and row_at < ?))",
        [source.name, name, *bounds],
    ).fetchone()
    return rows + rejects


def _rows_now(con: duckdb.DuckDBPyConnection, landed: _File, loaded: int) -> int:
    """The file's rows in raw after this load: those just loaded when the copy's one part
    is the window just loaded (a whole file loaded at once), else counted."""
    source = landed.source
    whole = source.kept_in_store and store.parts_of(con, source, landed.name) == [
        (landed.sha, *landed.bounds)
    ]
    if whole:
        (text_rows,) = con.execute(
            f"select count(*) from {source.rows_table} where _file = ?", [landed.name]
        ).fetchone()
        if text_rows == 0:
            return loaded
    return rows_of_file(con, source, landed.name)


def rows_of_file(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, bounds: tuple | None = None
) -> int:
    """How many rows raw.<source> holds from the file (with an instant in `bounds`): read
    from the file's own parts (store.file_rows), not through the raw view."""
    at = source.time_columns[0]
    where = f" where {at} >= ? and {at} < ?" if bounds else ""
    (rows,) = con.execute(
        f"select count(*) from {store.file_rows(con, source, name)}{where}", list(bounds or ())
    ).fetchone()
    return rows


def _forget_missing(
    con: duckdb.DuckDBPyConnection, source: Source, present: set[str], bounds: tuple
) -> list[tuple[str, int]]:
    """Files gone from the landing folder lose their rows in the window; once a file has
    no rows left anywhere, its registry entry goes too. Returns (file, rows removed)."""
    known = {
        row[0]
        for row in con.execute(
            "select file from audit.loaded_files where source = ? union "
            "select file from audit.rejected_files where source = ?",
            [source.name, source.name],
        ).fetchall()
    }
    removed = []
    for name in sorted(known - present):
        con.execute("begin transaction")
        rows = _delete_rows_of(con, source, name, bounds)
        sha = con.execute(
            "select sha256 from audit.loaded_files where source = ? and file = ?",
            [source.name, name],
        ).fetchone()
        # Its windows, and any verdict on it, describe a file that is no more.
        for table in ("loaded_windows", "rejected_files"):
            con.execute(
                f"delete from audit.{table} where source = ? and file = ?", [source.name, name]
            )
        # Rows outside the window stay until a load covers them: the registry describes
        # what is left (nothing pending: the file is gone), or the file goes from it.
        con.execute(
            """
            update audit.loaded_files set
                rows_loaded = $raw, rows_rejected = left_over.rejected,
                data_rows = $raw + left_over.rejected, rows_pending = 0
            from (
                select count(*) as rejected from audit.rejected_rows
                where source = $source and file = $file
            ) as left_over
            where source = $source and file = $file
            """,
            {"source": source.name, "file": name, "raw": rows_of_file(con, source, name)},
        )
        con.execute(
            "delete from audit.loaded_files where source = ? and file = ? and data_rows = 0",
            [source.name, name],
        )
        if sha:
            con.execute(
                "insert into audit.removed_files values (?, ?, ?, ?, now())",
                [source.name, name, sha[0], rows],
            )
            removed.append((name, rows))
        con.execute("commit")
    return removed


def _is_empty(path: Path) -> bool:
    if path.stat().st_size == 0:
        return True
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            try:
                return not handle.read(1)
            except (OSError, EOFError):
                return False  # corrupt: reading it says so, with DuckDB's words
    return False


def unaccounted_files(
    con: duckdb.DuckDBPyConnection, source: Source, files: Collection[str] | None = None
) -> list[tuple]:
    """Loads whose rows are not all accounted for: (file, data rows, in raw, in rejects).

    For every window a file was loaded over, each of its data rows there is either in the
    raw table or in audit.rejected_rows, and the two counts add up to the rows read. Over
    the whole file, rows loaded + rejected + not yet loaded (outside every window loaded)
    = its data rows. Of the `files` named (a load's changed files), else of every file.
    """
    at = source.time_columns[0]
    # Literal names: DuckDB then reads only those files' parts of the raw view, not a
    # year of checks to check the day just loaded.
    named = "true" if files is None else f"_file in ({_names(files)})"
    chosen = "true" if files is None else f"file in ({_names(files)})"
    return con.execute(
        f"""
        with windows as (
            select file, data_rows, start_at, end_at from audit.loaded_windows
            where source = $source and {chosen}
        ),
        -- Not materialized: read where it is used, never held (a year of checks).
        raw_rows as not materialized (
            select _file, {at} from {source.table} where {named}
        ),
        -- Counts alone: DuckDB takes them from the Parquet parts' metadata, where a
        -- min and max would read every instant (0.4 s for a year of 200 services).
        raw_per_file as (
            select _file as file, count(*) as n from raw_rows group by _file
        ),
        -- A window holding all of a file's rows (a whole load) has its count; only the
        -- others are counted row by row. The file's first and last instants as the load
        -- recorded them, of all its data rows: its raw rows lie between them.
        partial_windows as (
            select w.file, w.start_at, w.end_at
            from windows as w join audit.loaded_files as f
                on f.source = $source and f.file = w.file
            where f.first_at < w.start_at or f.last_at >= w.end_at
        ),
        partial_counts as (
            select w.file, w.start_at, count(r._file) as n
            from partial_windows as w left join raw_rows as r
                on r._file = w.file and r.{at} >= w.start_at and r.{at} < w.end_at
            group by all
        ),
        in_raw as (
            select w.file, w.start_at, coalesce(p.n, f.n, 0) as n
            from windows as w
            left join partial_counts as p using (file, start_at)
            left join raw_per_file as f using (file)
        ),
        in_rejects as (
            select w.file, w.start_at, count(r.file) as n
            from windows as w left join audit.rejected_rows as r
                on r.source = $source and r.file = w.file
                and (r.row_at is null or (r.row_at >= w.start_at and r.row_at < w.end_at))
            group by all
        ),
        by_window as (
            select w.file, w.data_rows, in_raw.n as loaded, in_rejects.n as rejected,
                w.start_at
            from windows as w
            join in_raw using (file, start_at)
            join in_rejects using (file, start_at)
            where w.data_rows != in_raw.n + in_rejects.n
        ),
        rejects_per_file as (
            select file, count(*) as n from audit.rejected_rows
            where source = $source group by file
        ),
        files as (
            select f.file, f.data_rows, f.rows_pending,
                coalesce(raw_per_file.n, 0) as loaded,
                coalesce(rejects_per_file.n, 0) as rejected
            from audit.loaded_files as f
            left join raw_per_file using (file)
            left join rejects_per_file using (file)
            where f.source = $source and {chosen}
        )
        select file, data_rows, loaded, rejected from by_window
        union all
        select file, data_rows, loaded, rejected from files
        where data_rows != loaded + rejected + coalesce(rows_pending, 0)
            and file not in (select file from by_window)
        order by 1
        """,
        {"source": source.name},
    ).fetchall()


def _names(files: Collection[str]) -> str:
    """SQL: the file names as a list of literals (NULL for none: nothing matches)."""
    return ", ".join(sql_string(name) for name in sorted(files)) or "null"
