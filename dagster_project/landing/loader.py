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
from pathlib import Path

import duckdb

from dagster_project.landing.sources import Column, Source
from dagster_project.settings import SERVICES_SEED

RAW_SCHEMA = (Path(__file__).with_name("raw_schema.sql")).read_text()
OFFSET_PATTERN = r"(Z|z|[+-]\d{2}(:?\d{2})?)$"


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
    with SERVICES_SEED.open(encoding="utf-8") as handle:
        return [row["service_id"] for row in csv.DictReader(handle)]


def load_source(con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source) -> LoadSummary:
    """Bring raw.<source> in line with the files in <landing_dir>/<source>/."""
    ensure_raw_schema(con)
    summary = LoadSummary(source.name)
    services = known_service_ids()
    present = set()
    for path in landed_files(landing_dir, source):
        name = path.relative_to(landing_dir).as_posix()
        present.add(name)
        sha = file_hash(path)
        seen = con.execute(
            "select sha256 from audit.loaded_files where source = ? and file = ?",
            [source.name, name],
        ).fetchone()
        if seen and seen[0] == sha:
            summary.files_skipped += 1
            continue
        known_reason = con.execute(
            "select reason from audit.rejected_files where source = ? and file = ? and sha256 = ?",
            [source.name, name, sha],
        ).fetchone()
        try:
            if known_reason:  # rejected before with this content: say so again, once
                raise FileRejected(known_reason[0])
            loaded, rejected = _load_file(con, source, path, name, sha, services)
        except FileRejected as problem:
            if not known_reason:
                _reject_file(con, source, name, sha, str(problem))
            summary.files_rejected += 1
            summary.rejected_files.append((name, str(problem)))
            continue
        summary.files_loaded += 1
        summary.rows_loaded += loaded
        summary.rows_rejected += rejected
    summary.files_removed = _forget_missing(con, source, present)
    return summary


def _load_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    name: str,
    sha: str,
    services: list[str],
) -> tuple[int, int]:
    con.execute("begin transaction")
    try:
        if _is_empty(path):
            raise FileRejected("empty file")
        try:
            stage_file(con, source, path)
        except duckdb.Error as error:
            raise FileRejected(_explain(error)) from error
        _delete_rows_of(con, source, name)
        checked = _checked_rows_sql(source, services)
        con.execute(f"create or replace temp table checked as {checked}")
        columns = ", ".join(c.name for c in source.columns)
        typed = ", ".join(_typed(c) for c in source.columns)
        con.execute(
            f"insert into {source.table} ({columns}, _file, _line) "
            f"select {typed}, ?, _line from checked where _reason is null",
            [name],
        )
        con.execute(
            "insert into audit.rejected_rows "
            "select ?, ?, _line, _reason, _raw from checked where _reason is not null",
            [source.name, name],
        )
        loaded, rejected = con.execute(
            "select count(*) filter (_reason is null), count(*) filter (_reason is not null) "
            "from checked"
        ).fetchone()
        data_rows = con.execute("select count(*) from staged").fetchone()[0]
        con.execute(
            "insert or replace into audit.loaded_files "
            "(source, file, sha256, data_rows, rows_loaded, rows_rejected, loaded_at) "
            "values (?, ?, ?, ?, ?, ?, now())",
            [source.name, name, sha, data_rows, loaded, rejected],
        )
        con.execute("drop table checked; drop table staged")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return loaded, rejected


def stage_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> None:
    """Read the file into temp table `staged`: every field as text, plus _line and _raw."""
    quoted = str(path).replace("'", "''")
    if path.name.endswith(".parquet"):
        reader = f"read_parquet('{quoted}', file_row_number = true)"
        con.execute(f"create or replace temp table staged as select * from {reader}")
        _require_columns(con, source)
        fields = ", ".join(f"cast({c.name} as varchar) as {c.name}" for c in _present(con, source))
        con.execute(
            f"create or replace temp table staged as select {fields}, "
            f"file_row_number + 1 as _line, null::varchar as _raw from staged"
        )
    elif source.name == "incidents":
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
            f"create or replace temp table staged as "
            f"select {fields}, _line, doc as _raw from {reader} where trim(doc) <> ''"
        )
    else:
        reader = (
            f"read_csv('{quoted}', all_varchar = true, header = true, delim = ',', "
            f"quote = '\"', escape = '\"', null_padding = true) with ordinality as t"
        )
        con.execute(f"create or replace temp table staged as select * from {reader}")
        _require_columns(con, source)
        present = _present(con, source)
        fields = ", ".join(c.name for c in present)
        raw = " || ',' || ".join(f"coalesce({c.name}, '')" for c in present)
        missing = ", ".join(
            f"null::varchar as {c.name}" for c in source.columns if c not in present
        )
        con.execute(
            f"create or replace temp table staged as select {fields}"
            f"{', ' + missing if missing else ''}, ordinality + 1 as _line, {raw} as _raw "
            f"from staged"
        )


def _present(con: duckdb.DuckDBPyConnection, source: Source) -> list[Column]:
    header = {row[0] for row in con.execute("describe staged").fetchall()}
    return [c for c in source.columns if c.name in header]


def _require_columns(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    present = {c.name for c in _present(con, source)}
    missing = [c.name for c in source.columns if c.required and c.name not in present]
    if missing:
        raise FileRejected(f"missing required column(s): {', '.join(missing)}")


def _checked_rows_sql(source: Source, services: list[str]) -> str:
    known = ", ".join(f"'{s}'" for s in services)
    checks = [check for c in source.columns for check in _column_checks(c, known)]
    typed_columns = {c.name: _typed(c) for c in source.columns}
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


def _column_checks(column: Column, known: str) -> list[str]:
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


def _typed(column: Column) -> str:
    v = f"nullif(trim({column.name}), '')"
    return {
        "timestamp": f"try_cast({v} as timestamptz)",
        "int": f"try_cast({v} as bigint)",
        "number": f"try_cast({v} as double)",
        "id_list": f"try_cast({column.name} as varchar[])",
    }.get(column.kind, v)


def _delete_rows_of(con: duckdb.DuckDBPyConnection, source: Source, name: str) -> None:
    con.execute(f"delete from {source.table} where _file = ?", [name])
    con.execute(
        "delete from audit.rejected_rows where source = ? and file = ?", [source.name, name]
    )


def _reject_file(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, sha: str, reason: str
) -> None:
    con.execute(
        "insert into audit.rejected_files values (?, ?, ?, ?, now())",
        [source.name, name, sha, reason],
    )


def _forget_missing(con: duckdb.DuckDBPyConnection, source: Source, present: set[str]) -> int:
    known = {
        row[0]
        for row in con.execute(
            "select file from audit.loaded_files where source = ?", [source.name]
        ).fetchall()
    }
    gone = sorted(known - present)
    for name in gone:
        con.execute("begin transaction")
        _delete_rows_of(con, source, name)
        con.execute(
            "delete from audit.loaded_files where source = ? and file = ?", [source.name, name]
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
    """Files whose rows are not all accounted for: (file, data rows, in raw, in rejects).

    Every data row of a loaded file is either in its raw table or in
    audit.rejected_rows, and the two counts add up to the rows read.
    """
    return con.execute(
        f"""
        with in_raw as (
            select _file as file, count(*) as n from {source.table} group by _file
        ),
        in_rejects as (
            select file, count(*) as n from audit.rejected_rows
            where source = $source group by file
        )
        select files.file, files.data_rows, coalesce(in_raw.n, 0), coalesce(in_rejects.n, 0)
        from audit.loaded_files as files
        left join in_raw on files.file = in_raw.file
        left join in_rejects on files.file = in_rejects.file
        where files.source = $source
            and files.data_rows != coalesce(in_raw.n, 0) + coalesce(in_rejects.n, 0)
        order by files.file
        """,
        {"source": source.name},
    ).fetchall()
