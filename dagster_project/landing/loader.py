"""Load landing files into the raw tables: one transaction per file.

A file is known by its path and content hash (audit.loaded_files): an
unchanged file is skipped, a changed file replaces the rows it gave before, a
file gone from the landing folder takes its rows with it. Every data row ends
up either in its raw table or in audit.rejected_rows with a reason; a file
that cannot be read at all is recorded in audit.rejected_files and leaves the
warehouse as it was.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.landing.sources import Column, Source
from dagster_project.settings import load_settings

RAW_SCHEMA = (Path(__file__).with_name("raw_schema.sql")).read_text()
# [start, end) of a partition load; None loads whole files.
Window = tuple[datetime, datetime] | None
WHOLE = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
OFFSET_PATTERN = r"(Z|z|[+-]\d{2}(:?\d{2})?)$"
# Parquet column types that already are what a column of the kind must be.
NATIVE_TYPES = {
    "timestamp": ("TIMESTAMP WITH TIME ZONE",),
    "int": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"),
}


@dataclass
class LoadSummary:
    source: str
    files_loaded: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    files_removed: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejected_files: list[tuple[str, str]] = field(default_factory=list)

    def as_metadata(self) -> dict[str, int]:
        return {
            "files_loaded": self.files_loaded,
            "files_skipped": self.files_skipped,
            "files_rejected": self.files_rejected,
            "files_removed": self.files_removed,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
        }


class FileRejected(Exception):
    """The file as a whole breaks the contract (unreadable, missing column, ...)."""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("set TimeZone = 'UTC'")
    con.execute(RAW_SCHEMA)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def landed_files(landing_dir: Path, source: Source) -> list[Path]:
    folder = landing_dir / source.name
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.name.endswith(source.file_types)
    )


def known_service_ids() -> list[str]:
    """The service ids of the reference data (the configured services seed)."""
    with (load_settings().reference_dir / "services.csv").open(encoding="utf-8") as handle:
        return [row["service_id"] for row in csv.DictReader(handle)]


def load_source(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source, window: Window = None
) -> LoadSummary:
    """Bring raw.<source> in line with the files in <landing_dir>/<source>/.

    With a `window` (a daily partition range), only rows whose instant lies in it are
    replaced: every other day keeps what it had.
    """
    bounds = window or WHOLE
    ensure_raw_schema(con)
    summary = LoadSummary(source.name)
    services = known_service_ids()
    present = set()
    for path in landed_files(landing_dir, source):
        name = path.relative_to(landing_dir).as_posix()
        present.add(name)
        sha = file_hash(path)
        seen = con.execute(
            "select sha256, first_at, last_at from audit.loaded_files "
            "where source = ? and file = ?",
            [source.name, name],
        ).fetchone()
        if seen and seen[0] == sha and _nothing_to_do(con, source, name, seen, bounds):
            summary.files_skipped += 1
            continue
        known_reason = con.execute(
            "select reason from audit.rejected_files where source = ? and file = ? and sha256 = ?",
            [source.name, name, sha],
        ).fetchone()
        try:
            if known_reason:  # rejected before with this content: say so again, once
                raise FileRejected(known_reason[0])
            loaded, rejected = _load_file(con, source, path, name, sha, services, bounds)
        except FileRejected as problem:
            if not known_reason:
                _reject_file(con, source, name, sha, str(problem))
            summary.files_rejected += 1
            summary.rejected_files.append((name, str(problem)))
            continue
        summary.files_loaded += 1
        summary.rows_loaded += loaded
        summary.rows_rejected += rejected
    summary.files_removed = _forget_missing(con, source, present, bounds)
    return summary


def _nothing_to_do(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, seen: tuple, bounds: tuple
) -> bool:
    """This content of the file has no rows in the window, or was loaded over it."""
    sha, first_at, last_at = seen
    if first_at is None or first_at >= bounds[1] or last_at < bounds[0]:
        return True
    return (
        con.execute(
            "select 1 from audit.loaded_windows where source = ? and file = ? and sha256 = ? "
            "and start_at <= ? and end_at >= ?",
            [source.name, name, sha, *bounds],
        ).fetchone()
        is not None
    )


def _load_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    name: str,
    sha: str,
    services: list[str],
    bounds: tuple[datetime, datetime],
) -> tuple[int, int]:
    con.execute("begin transaction")
    try:
        if _is_empty(path):
            raise FileRejected("empty file")
        try:
            native = stage_file(con, source, path)
        except duckdb.Error as error:
            raise FileRejected(_explain(error)) from error
        _delete_rows_of(con, source, name, bounds)
        # A row's instant (its first time column) places it in a window; a row whose
        # instant cannot be read is a reject in every window.
        time_column = next(c for c in source.columns if c.name == source.time_columns[0])
        instant = _typed(time_column, time_column.name in native)
        start, end = (f"timestamptz '{bound.isoformat()}'" for bound in bounds)
        in_window = f"({instant} >= {start} and {instant} < {end})"
        # A Parquet file is read in place: its rows are checked as they stream into the
        # tables. Text is staged as text already: its checks are computed once and kept.
        kind = "view" if path.name.endswith(".parquet") else "table"
        _drop_temp(con, "checked")
        con.execute(
            f"create temp {kind} checked as select *, {instant} as _at, {in_window} as _in "
            f"from ({_checked_rows_sql(source, services, native)})"
        )
        columns = ", ".join(c.name for c in source.columns)
        typed = ", ".join(_typed(c, c.name in native) for c in source.columns)
        (loaded,) = con.execute(
            f"insert into {source.table} ({columns}, _file, _line) "
            f"select {typed}, ?, _line from checked where _reason is null and _in",
            [name],
        ).fetchone()
        (rejected,) = con.execute(
            "insert into audit.rejected_rows (source, file, line_number, reason, raw_line, row_at) "
            "select ?, ?, _line, _reason, _raw, _at from checked "
            "where _reason is not null and (_in or _at is null)",
            [source.name, name],
        ).fetchone()
        # The file's rows and instants need its time column alone.
        rows_in_window, data_rows, first_at, last_at = con.execute(
            f"select count(*) filter ({in_window} or {instant} is null), count(*), "
            f"min({instant}), max({instant}) from staged"
        ).fetchone()
        _record_load(con, source, name, sha, bounds, data_rows, rows_in_window, (first_at, last_at))
        _drop_temp(con, "checked")
        _drop_temp(con, "staged")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return loaded, rejected


def _record_load(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    name: str,
    sha: str,
    bounds: tuple[datetime, datetime],
    data_rows: int,
    in_window: int,
    span: tuple[datetime | None, datetime | None],
) -> None:
    """The file's registry entry (totals now in the tables) and the window just loaded."""
    rows_loaded = con.execute(
        f"select count(*) from {source.table} where _file = ?", [name]
    ).fetchone()[0]
    rows_rejected = con.execute(
        "select count(*) from audit.rejected_rows where source = ? and file = ?",
        [source.name, name],
    ).fetchone()[0]
    con.execute(
        "insert or replace into audit.loaded_files (source, file, sha256, data_rows, "
        "rows_loaded, rows_rejected, loaded_at, first_at, last_at) "
        "values (?, ?, ?, ?, ?, ?, now(), ?, ?)",
        [source.name, name, sha, data_rows, rows_loaded, rows_rejected, *span],
    )
    # Windows of another content, or inside this one, no longer describe the tables.
    con.execute(
        "delete from audit.loaded_windows where source = ? and file = ? "
        "and (sha256 != ? or (start_at >= ? and end_at <= ?))",
        [source.name, name, sha, *bounds],
    )
    con.execute(
        "insert into audit.loaded_windows values (?, ?, ?, ?, ?, ?)",
        [source.name, name, sha, *bounds, in_window],
    )


def stage_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> frozenset[str]:
    """Make `staged` hold the file's rows, plus _line and _raw; returns the native columns.

    Text files are read into a temp table with every field as text. A Parquet file is
    read in place (a view) and a column already of its kind's type (TIMESTAMPTZ, an
    integer) stays typed: it is checked as such, with no round trip through text.
    """
    _drop_temp(con, "staged")
    quoted = str(path).replace("'", "''")
    if path.name.endswith(".parquet"):
        reader = f"read_parquet('{quoted}', file_row_number = true)"
        con.execute(f"create temp view staged as select * from {reader}")
        _require_columns(con, source)
        types = dict(
            con.execute("select column_name, column_type from (describe staged)").fetchall()
        )
        present = _present(con, source)
        native = frozenset(c.name for c in present if types[c.name] in NATIVE_TYPES.get(c.kind, ()))
        fields = [
            c.name if c.name in native else f"cast({c.name} as varchar) as {c.name}"
            for c in present
        ]
        fields += [f"null::varchar as {c.name}" for c in source.columns if c not in present]
        con.execute(
            f"create or replace temp view staged as select {', '.join(fields)}, "
            f"file_row_number + 1 as _line, null::varchar as _raw from {reader}"
        )
        return native
    if source.name == "incidents":
        # One JSON document per line, read as text so that one bad line is one reject.
        reader = (
            f"read_csv('{quoted}', header = false, columns = {{'doc': 'varchar'}}, "
            "delim = chr(31), quote = '', escape = '', auto_detect = false) "
            "with ordinality as t(doc, _line)"
        )
        fields = ", ".join(
            f"case when json_valid(doc) then json_extract(doc, '$.{c.name}')::varchar end "
            f"as {c.name}"
            if c.kind == "id_list"
            else f"case when json_valid(doc) then json_extract_string(doc, '$.{c.name}') end "
            f"as {c.name}"
            for c in source.columns
        )
        con.execute(
            f"create temp table staged as "
            f"select {fields}, _line, doc as _raw from {reader} where trim(doc) <> ''"
        )
        return frozenset()
    reader = (
        f"read_csv('{quoted}', all_varchar = true, header = true, delim = ',', "
        f"quote = '\"', escape = '\"', null_padding = true) with ordinality as t"
    )
    con.execute(f"create temp table staged as select * from {reader}")
    _require_columns(con, source)
    present = _present(con, source)
    fields = ", ".join(c.name for c in present)
    raw = " || ',' || ".join(f"coalesce({c.name}, '')" for c in present)
    missing = ", ".join(f"null::varchar as {c.name}" for c in source.columns if c not in present)
    con.execute(
        f"create or replace temp table staged as select {fields}"
        f"{', ' + missing if missing else ''}, ordinality + 1 as _line, {raw} as _raw "
        f"from staged"
    )
    return frozenset()


def _drop_temp(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a previous file's temp view or table `name`, whichever it is."""
    found = con.execute(
        "select 'view' from duckdb_views() where view_name = $name and temporary union all "
        "select 'table' from duckdb_tables() where table_name = $name and temporary",
        {"name": name},
    ).fetchone()
    if found:
        con.execute(f"drop {found[0]} {name}")


def _present(con: duckdb.DuckDBPyConnection, source: Source) -> list[Column]:
    header = {row[0] for row in con.execute("describe staged").fetchall()}
    return [c for c in source.columns if c.name in header]


def _require_columns(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    present = {c.name for c in _present(con, source)}
    missing = [c.name for c in source.columns if c.required and c.name not in present]
    if missing:
        raise FileRejected(f"missing required column(s): {', '.join(missing)}")


def _checked_rows_sql(source: Source, services: list[str], native: frozenset[str]) -> str:
    known = ", ".join(f"'{s}'" for s in services)
    checks = [check for c in source.columns for check in _column_checks(c, known, c.name in native)]
    typed_columns = {c.name: _typed(c, c.name in native) for c in source.columns}
    for condition, reason in source.row_rules:
        typed = re.sub(r"\b\w+\b", lambda m: typed_columns.get(m[0], m[0]), condition)
        checks.append(f"case when not coalesce({typed}, true) then '{reason}' end")
    reason = f"nullif(concat_ws('; ', {', '.join(checks)}), '')"
    if source.readable:
        condition, message = source.readable
        reason = f"case when not coalesce({condition}, false) then '{message}' else {reason} end"
    return f"select *, {reason} as _reason from staged"


def _quote(expr: str) -> str:
    """SQL for the text `'<value>'` inside a reject reason."""
    return f"'''' || {expr} || ''''"


def _column_checks(column: Column, known: str, native: bool) -> list[str]:
    if native:
        return _native_checks(column)
    v = column.name
    present = f"nullif(trim({v}), '') is not null"
    checks = []
    if column.required:
        checks.append(f"case when not {present} then '{v}: missing' end")
    if column.kind == "timestamp":
        checks.append(
            f"case when {present} and not regexp_matches(trim({v}), '{OFFSET_PATTERN}') "
            f"then '{v}: no UTC offset in ' || {_quote(v)} "
            f"when {present} and try_cast(trim({v}) as timestamptz) is null "
            f"then '{v}: not a timestamp ' || {_quote(v)} end"
        )
    elif column.kind == "enum":
        allowed = ", ".join(f"'{a}'" for a in column.allowed)
        checks.append(
            f"case when {present} and trim({v}) not in ({allowed}) "
            f"then '{v}: ' || {_quote(v)} || ' not one of {', '.join(column.allowed)}' end"
        )
    elif column.kind in ("int", "number"):
        sql_type = "bigint" if column.kind == "int" else "double"
        checks.append(
            f"case when {present} and try_cast(trim({v}) as {sql_type}) is null "
            f"then '{v}: not a{'n integer' if column.kind == 'int' else ' number'} ' || "
            f"{_quote(v)} end"
        )
        if column.minimum is not None:
            checks.append(
                f"case when try_cast(trim({v}) as {sql_type}) < {column.minimum} "
                f"then '{v}: below {column.minimum:g} in ' || {_quote(v)} end"
            )
    elif column.kind == "service_id":
        checks.append(
            f"case when {present} and trim({v}) not in ({known}) "
            f"then '{v}: unknown service ' || {_quote(v)} end"
        )
    elif column.kind == "id_list":
        ids = f"try_cast({v} as varchar[])"
        checks.append(
            f"case when {present} and (json_type({v}) != 'ARRAY' or len({ids}) = 0) "
            f"then '{v}: not a non-empty list in ' || {_quote(v)} "
            f"when {present} and len(list_filter({ids}, lambda x: x not in ({known}))) > 0 "
            f"then '{v}: unknown service in ' || {_quote(v)} end"
        )
    return checks


def _native_checks(column: Column) -> list[str]:
    """The checks of a column that is already of its kind's type: present, in range."""
    v = column.name
    checks = [f"case when {v} is null then '{v}: missing' end"] if column.required else []
    if column.minimum is not None:
        checks.append(
            f"case when {v} < {column.minimum} "
            f"then '{v}: below {column.minimum:g} in ' || {_quote(f'{v}::varchar')} end"
        )
    return checks


def _typed(column: Column, native: bool = False) -> str:
    if native:
        return column.name
    v = f"nullif(trim({column.name}), '')"
    return {
        "timestamp": f"try_cast({v} as timestamptz)",
        "int": f"try_cast({v} as bigint)",
        "number": f"try_cast({v} as double)",
        "id_list": f"try_cast({column.name} as varchar[])",
    }.get(column.kind, v)


def _delete_rows_of(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, bounds: tuple
) -> None:
    """The file's rows and rejects in the window (undated rejects belong to every window)."""
    at = source.time_columns[0]
    con.execute(
        f"delete from {source.table} where _file = ? and {at} >= ? and {at} < ?",
        [name, *bounds],
    )
    con.execute(
        "delete from audit.rejected_rows where source = ? and file = ? "
        "and (row_at is null or (row_at >= ? and row_at < ?))",
        [source.name, name, *bounds],
    )


def _reject_file(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, sha: str, reason: str
) -> None:
    con.execute(
        "insert into audit.rejected_files values (?, ?, ?, ?, now())",
        [source.name, name, sha, reason],
    )


def _forget_missing(
    con: duckdb.DuckDBPyConnection, source: Source, present: set[str], bounds: tuple
) -> int:
    """Files gone from the landing folder lose their rows in the window; once a file has
    no rows left anywhere, its registry entry goes too."""
    known = {
        row[0]
        for row in con.execute(
            "select file from audit.loaded_files where source = ?", [source.name]
        ).fetchall()
    }
    gone = sorted(known - present)
    for name in gone:
        con.execute("begin transaction")
        _delete_rows_of(con, source, name, bounds)
        # Its windows describe a file that is no more.
        con.execute(
            "delete from audit.loaded_windows where source = ? and file = ?", [source.name, name]
        )
        con.execute(
            "delete from audit.loaded_files where source = $source and file = $file "
            f"and not exists (select 1 from {source.table} where _file = $file) "
            "and not exists (select 1 from audit.rejected_rows "
            "where source = $source and file = $file)",
            {"source": source.name, "file": name},
        )
        con.execute("commit")
    return len(gone)


def _is_empty(path: Path) -> bool:
    if path.stat().st_size == 0:
        return True
    if path.name.endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            try:
                return not handle.read(1)
            except (OSError, EOFError):
                return False  # corrupt: reading it says so, with DuckDB's words
    return False


# DuckDB's words for file-level problems, and what they mean to the sender.
_EXPLANATIONS = (
    ("not utf-8 encoded", "not UTF-8 encoded"),
    ("Error when sniffing file", "not a CSV file"),
    ("GZIP", "truncated or corrupt gzip file"),
    ("Malformed JSON", "not JSON Lines"),
)


def _explain(error: Exception) -> str:
    """A clear reason for a file that cannot be read, with DuckDB's own first line."""
    text = str(error).strip()
    first = text.splitlines()[0]
    for needle, meaning in _EXPLANATIONS:
        if needle in text:
            return f"{meaning} ({first})"
    return first


def unaccounted_files(con: duckdb.DuckDBPyConnection, source: Source) -> list[tuple]:
    """Loads whose rows are not all accounted for: (file, data rows, in raw, in rejects).

    For every window a file was loaded over, each of its data rows there is either in the
    raw table or in audit.rejected_rows, and the two counts add up to the rows read.
    """
    at = source.time_columns[0]
    return con.execute(
        f"""
        with windows as (
            select file, data_rows, start_at, end_at from audit.loaded_windows
            where source = $source
        ),
        in_raw as (
            select w.file, w.start_at, count(r._file) as n
            from windows as w left join {source.table} as r
                on r._file = w.file and r.{at} >= w.start_at and r.{at} < w.end_at
            group by all
        ),
        in_rejects as (
            select w.file, w.start_at, count(r.file) as n
            from windows as w left join audit.rejected_rows as r
                on r.source = $source and r.file = w.file
                and (r.row_at is null or (r.row_at >= w.start_at and r.row_at < w.end_at))
            group by all
        )
        select w.file, w.data_rows, in_raw.n, in_rejects.n
        from windows as w
        join in_raw using (file, start_at)
        join in_rejects using (file, start_at)
        where w.data_rows != in_raw.n + in_rejects.n
        order by w.file, w.start_at
        """,
        {"source": source.name},
    ).fetchall()
