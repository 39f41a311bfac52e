"""What changed in the landing folder, and which months it bears on.

The sensor keeps, per file, its name and content hash (plus size and mtime, so an
untouched file is not hashed again). New, changed and removed files become one run
over the months their rows, old and new, bear on.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from dagster_project.landing.checks import TimeLimits, instant_of, sql_string
from dagster_project.landing.loader import file_hash, is_loadable, landed_files
from dagster_project.landing.parquet_stats import statistics_hold
from dagster_project.landing.reading import FileRejected, stage_instants
from dagster_project.landing.sources import SOURCES, SOURCES_BY_NAME, Source
from dagster_project.timeline import LOCAL_ZONE

# name -> [size, mtime_ns, sha256]: the sensor's cursor, JSON-ready.
FileStates = dict[str, list]


@dataclass(frozen=True)
class LandingChanges:
    state: FileStates  # every file now in the landing folder
    changed: tuple[str, ...]  # new or changed since the cursor
    removed: tuple[str, ...]

    @property
    def any(self) -> bool:
        return bool(self.changed or self.removed)


def landing_changes(landing_dir: Path, cursor: FileStates) -> LandingChanges:
    """Compare the landing folder with the cursor; hash only files whose size or mtime moved."""
    state: FileStates = {}
    for source in SOURCES:
        for path in landed_files(landing_dir, source):
            name = path.relative_to(landing_dir).as_posix()
            stat = path.stat()
            known = cursor.get(name)
            if known and known[:2] == [stat.st_size, stat.st_mtime_ns]:
                state[name] = known
            else:
                state[name] = [stat.st_size, stat.st_mtime_ns, file_hash(path)]
    changed = tuple(n for n in sorted(state) if (cursor.get(n) or [None] * 3)[2] != state[n][2])
    removed = tuple(sorted(set(cursor) - set(state)))
    return LandingChanges(state, changed, removed)


def months_touched(
    landing_dir: Path, names: tuple[str, ...], warehouse: Path | None, today: date
) -> tuple[date, date] | None:
    """The first and last Copenhagen month the files' rows bear on, new rows and old.

    Old rows come from the raw tables of `warehouse` (read-only; the serving copy will
    do). None when nothing can be dated, e.g. only unreadable files.
    """
    bounds, open_ended = _instants(landing_dir, names, warehouse)
    if not bounds:
        return None
    first, last = _local_month(min(bounds)), _local_month(max(bounds))
    # A window planned ahead bears on no month reported yet.
    this_month = today.replace(day=1)
    return min(first, this_month), this_month if open_ended else min(last, this_month)


def _instants(
    landing_dir: Path, names: tuple[str, ...], warehouse: Path | None
) -> tuple[list[datetime], bool]:
    """The earliest and latest instants of each file's rows, new and (from `warehouse`)
    old; and whether any file is of a source whose rows bear on every later month."""
    bounds: list[datetime] = []
    open_ended = False
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        if warehouse is not None and warehouse.exists():
            con.execute(f"attach {sql_string(str(warehouse))} as landed (read_only)")
        for name in names:
            source = SOURCES_BY_NAME[name.split("/", 1)[0]]
            open_ended |= source.open_ended
            bounds += _new_bounds(con, source, landing_dir / name)
            if warehouse is not None and warehouse.exists():
                bounds += _old_bounds(con, source, name)
    return bounds, open_ended


def _span_sql(
    source: Source, table: str, where: str = "", native: frozenset[str] = frozenset()
) -> str:
    """The earliest and latest placeable instant in the source's time columns of `table`
    (rows the load must reject bear on no month)."""
    limits = TimeLimits.now()
    columns = {c.name: c for c in source.columns}
    instants = " union all ".join(
        f"select {limits.placeable(c if c in native else _as_instant(c), columns[c])} as t "
        f"from {table} {where}"
        for c in source.time_columns
    )
    return f"select min(t), max(t) from ({instants})"


def _as_instant(column: str) -> str:
    return instant_of(f"nullif(trim({column}::varchar), '')")


def _new_bounds(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> list[datetime]:
    if not path.exists() or not is_loadable(source, path):
        return []
    try:
        native = stage_instants(con, source, path)
        span = (
            _native_span(con, source, path, native)
            or con.execute(_span_sql(source, "staged", native=native)).fetchone()
        )
    except (duckdb.Error, FileRejected):
        return []  # the load rejects it and says why; it bears on no month
    return [b for b in span if b is not None]


def _native_span(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, native: frozenset[str]
) -> tuple[datetime, datetime] | None:
    """The span from the plain least and greatest instants of natively typed (Parquet)
    time columns, which the file's statistics answer without reading its rows, when
    every one of them can be placed and the statistics hold (parquet_stats.py); else
    None (the rows are read)."""
    if not native.issuperset(source.time_columns):
        return None
    if not statistics_hold(path, source.time_columns):
        return None
    limits = TimeLimits.now()
    columns = {c.name: c for c in source.columns}
    extremes = ", ".join(f"min({c}), max({c})" for c in source.time_columns)
    found = con.execute(f"select {extremes} from staged").fetchone()
    pairs = list(zip(found[::2], found[1::2], source.time_columns, strict=True))
    if any(
        least is None
        or not (limits.places(least, columns[c]) and limits.places(greatest, columns[c]))
        for least, greatest, c in pairs
    ):
        return None
    return min(p[0] for p in pairs), max(p[1] for p in pairs)


def _old_bounds(con: duckdb.DuckDBPyConnection, source: Source, name: str) -> list[datetime]:
    try:
        # A literal name: DuckDB then reads only that file's part of a raw view.
        row = con.execute(
            _span_sql(source, f"landed.raw.{source.name}", f"where _file = {sql_string(name)}")
        ).fetchone()
    except duckdb.CatalogException:
        return []  # nothing loaded yet
    return [b for b in row if b is not None]


def _local_month(instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(LOCAL_ZONE)).date().replace(day=1)


def landed_span(landing_dir: Path, warehouse: Path, today: date) -> tuple[date, date] | None:
    """The first and last month the landing folder's rows bear on, loaded or not yet.

    Loaded files are dated by audit.loaded_files (their old content included, and files
    gone from the folder too: the build must drop what their rows made), new and changed
    ones by reading them. None when nothing can be dated.
    """
    loaded: list[tuple] = []
    rejected: list[tuple] = []
    if warehouse.exists():
        # No audit tables yet: never loaded.
        with (
            duckdb.connect(str(warehouse), read_only=True) as con,
            contextlib.suppress(duckdb.CatalogException),
        ):
            loaded = con.execute(
                "select file, sha256, first_at, last_at from audit.loaded_files"
            ).fetchall()
            rejected = con.execute("select file, sha256 from audit.rejected_files").fetchall()
    state = {name: sha for name, (_, _, sha) in landing_changes(landing_dir, {}).state.items()}
    known = {(name, sha) for name, sha, *_ in loaded} | set(rejected)
    new = tuple(name for name, sha in state.items() if (name, sha) not in known)
    bounds = [moment for *_, first, last in loaded for moment in (first, last) if moment]
    # The month spine ends with the latest landed instant: an open incident does not
    # extend it (months_touched does, for the months a change bears on).
    bounds += _instants(landing_dir, new, None)[0]
    if not bounds:
        return None
    return _local_month(min(bounds)), min(_local_month(max(bounds)), today.replace(day=1))
