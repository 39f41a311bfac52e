"""The raw store: the rows of landed files kept as Parquet copies beside the warehouse.

Rewriting a Parquet file of minute checks into a DuckDB table costs more than the
whole SLA computation over it (15 s for 52 M checks, against 6 s for the fold), and
a table of them makes the warehouse file (and every serving copy of it) the size of
the raw history. So a landed Parquet file is validated in one set-based pass and
kept as it is: its bytes are copied, named by their hash, into a folder beside the
warehouse file (`<warehouse>.raw/<source>/<sha256>.parquet`). A text file is kept as
its typed records, with their line numbers, in a copy named the same way. raw.<source>
is a view over the copies (and over raw.<source>_rows, the text rows of warehouses
from before the store).

What a copy contributes is recorded in audit.parquet_parts: a file's rows with an
instant in [start_at, end_at) come from the copy of content sha256 (a partition
load replaces only its days, so a file can have parts of two contents). The view
reads each part's rows minus the rows rejected from that content: every row stays
traceable to its file and line, and the landing file may go away. A copy goes when
no part refers to it any more.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.landing.checks import sql_string, typed, value_of
from dagster_project.landing.parquet_stats import statistics_hold
from dagster_project.landing.reading import parquet_fields, parquet_reader
from dagster_project.landing.sources import Source
from dagster_project.settings import raw_store_of, serving_copy_of

Part = tuple[str, datetime, datetime]  # (sha256, start_at, end_at)


class RawStoreIncomplete(Exception):
    """The warehouse refers to copies its raw store does not hold."""


def _warehouse(con: duckdb.DuckDBPyConnection) -> Path:
    [(path,)] = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    if not path:
        raise RuntimeError("the raw store needs a warehouse file, not an in-memory database")
    return Path(path).resolve()


def store_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """The folder beside the connection's warehouse file where its copies live."""
    return raw_store_of(_warehouse(con))


def copy_of(
    con: duckdb.DuckDBPyConnection, source: Source, sha: str, store: Path | None = None
) -> Path:
    """Where the copy of content `sha` lives (`store`: store_dir's answer, if known: a
    query of the catalog per call otherwise)."""
    return (store or store_dir(con)) / source.name / f"{sha}.parquet"


def keep(con: duckdb.DuckDBPyConnection, source: Source, path: Path, sha: str) -> tuple[Path, bool]:
    """Copy the landed Parquet file into the store (once per content). A file whose
    statistics misstate its instants (landing/parquet_stats.py) is kept written again by
    DuckDB instead, its rows in their order (a row's line is still its row number), so
    that no reader of the copy skips a row group that holds rows it wants. Returns the
    copy and whether its instants' statistics are known to be exact: written now (the
    file's, proved, or DuckDB's own), not a copy kept before."""
    copy = copy_of(con, source, sha)

    def write(aside: str) -> None:
        if statistics_hold(path, source.time_columns):
            shutil.copyfile(path, aside)
        else:
            con.execute(
                f"copy (select * exclude (file_row_number) from {parquet_reader(path)} "
                f"order by file_row_number) to {sql_string(aside)} "
                "(format parquet, compression zstd)"
            )

    return copy, _write_once(copy, write)


def keep_records(con: duckdb.DuckDBPyConnection, source: Source, sha: str) -> None:
    """Keep the typed records of a text file, every one with its line, from the temp
    table `checked` (once per content: the typed values follow from the text alone).
    The view leaves out the rejected ones, as it does for a landed Parquet file."""
    columns = [f"{value_of(c)} as {c.name}" for c in source.columns]
    _write_once(
        copy_of(con, source, sha),
        lambda aside: con.execute(
            f"copy (select {', '.join(columns)}, _line from checked order by _line) "
            f"to {sql_string(aside)} (format parquet, compression zstd)"
        ),
    )
    names = [c.name for c in source.columns]
    con.execute(
        "insert or replace into audit.parquet_types values (?, ?, ?, ?, '_line')",
        [source.name, sha, names, ", ".join(names)],
    )


def _write_once(target: Path, write: Callable[[str], object]) -> bool:
    """Write the copy unless it exists: aside, then renamed, so it is whole or absent.
    Whether it was written now."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def record_types(
    con: duckdb.DuckDBPyConnection, source: Source, sha: str, as_is: frozenset[str]
) -> None:
    """How a landed Parquet file's columns are read: as staging read them for the checks;
    its line is its row number (no header). The view reads as they are the natively
    typed columns and the text columns `as_is` (every value trimmed and not empty
    already, witness.py), and trims the others' every value: trimming three text columns
    of 210 million checks cost each reader (the hour fold, the row rules) 0.4 s and kept
    DuckDB from answering "no NULL" from the file's statistics."""
    fields, native = parquet_fields(con, source, copy_of(con, source, sha))
    con.execute(
        "insert or replace into audit.parquet_types values (?, ?, ?, ?, 'file_row_number + 1')",
        [source.name, sha, sorted(native | as_is), fields],
    )


def parts_of(con: duckdb.DuckDBPyConnection, source: Source, name: str) -> list[Part]:
    return con.execute(
        "select sha256, start_at, end_at from audit.parquet_parts where source = ? and file = ? "
        "order by start_at",
        [source.name, name],
    ).fetchall()


def _write_parts(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, parts: list[Part]
) -> None:
    con.execute(
        "delete from audit.parquet_parts where source = ? and file = ?", [source.name, name]
    )
    for sha, start, end in parts:
        con.execute(
            "insert into audit.parquet_parts values (?, ?, ?, ?, ?)",
            [source.name, name, sha, start, end],
        )


def clip_parts(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, bounds: tuple[datetime, datetime]
) -> None:
    """The file's rows in [start, end) leave raw: its parts lose that span."""
    start, end = bounds
    kept = []
    for sha, part_start, part_end in parts_of(con, source, name):
        if part_end <= start or part_start >= end:
            kept.append((sha, part_start, part_end))
            continue
        if part_start < start:
            kept.append((sha, part_start, start))
        if part_end > end:
            kept.append((sha, end, part_end))
    _write_parts(con, source, name, kept)


def add_part(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    name: str,
    sha: str,
    bounds: tuple[datetime, datetime],
) -> None:
    """The file's rows in the window now come from this content (after clip_parts);
    touching parts of one content merge, so a file loaded day by day is one part."""
    merged: list[Part] = []
    for part in sorted([*parts_of(con, source, name), (sha, *bounds)], key=lambda p: p[1]):
        if merged and merged[-1][0] == part[0] and merged[-1][2] >= part[1]:
            merged[-1] = (part[0], merged[-1][1], max(merged[-1][2], part[2]))
        else:
            merged.append(part)
    _write_parts(con, source, name, merged)


def refresh_view(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """(Re)define raw.<source>: the text-landed rows and every part of every copy."""
    branches = _branches(con, source)
    con.execute(f"create or replace view {source.table} as\n" + "\nunion all\n".join(branches))


def file_rows(con: duckdb.DuckDBPyConnection, source: Source, name: str) -> str:
    """SQL (a subquery) of the rows raw.<source> holds from one file, with its columns:
    the view's branches of that file only. A query of the view plans every part of
    every file however it filters them (0.1 s a query at 200 daily files), so the
    readers of one file's rows (the loader's counts, GX) read them here."""
    if not source.kept_in_store:
        return f"(select * from {source.table} where _file = {sql_string(name)})"
    return "(" + "\nunion all\n".join(_branches(con, source, name)) + ")"


def _branches(con: duckdb.DuckDBPyConnection, source: Source, name: str | None = None) -> list[str]:
    """The raw view's selects: the text-landed rows, then each part of each copy (of the
    file `name` only, if given)."""
    columns = [c.name for c in source.columns]
    one_file = "" if name is None else f" where _file = {sql_string(name)}"
    branches = [f"select {', '.join(columns)}, _file, _line from {source.rows_table}{one_file}"]
    parts = con.execute(
        "select p.file, p.sha256, p.start_at, p.end_at, t.native, t.fields, t.line, "
        "exists (select 1 from audit.rejected_rows as r where r.source = p.source "
        "and r.file = p.file and r.sha256 = p.sha256) "
        "from audit.parquet_parts as p join audit.parquet_types as t using (source, sha256) "
        "where p.source = ? and (? is null or p.file = ?) order by p.file, p.start_at",
        [source.name, name, name],
    ).fetchall()
    folder = store_dir(con)
    missing = sorted(
        {sha for _, sha, *_ in parts if not copy_of(con, source, sha, folder).exists()}
    )
    if missing:
        raise RawStoreIncomplete(
            f"the raw store {folder} lacks {len(missing)} of the copies the warehouse reads "
            f"({source.name}/{missing[0]}.parquet): was the warehouse file copied or moved "
            f"without its {folder.name}/ folder?"
        )
    at = source.time_columns[0]
    for file, sha, start, end, native, fields, line, has_rejects in parts:
        reader = parquet_reader(copy_of(con, source, sha, folder))
        values = [f"{typed(c, c.name in native)} as {c.name}" for c in source.columns]
        instant = typed(next(c for c in source.columns if c.name == at), at in native)
        conditions = [
            f"{instant} >= timestamptz '{start.isoformat()}'",
            f"{instant} < timestamptz '{end.isoformat()}'",
        ]
        if has_rejects:
            conditions.append(
                "_line not in (select line_number from audit.rejected_rows "
                f"where source = {sql_string(source.name)} and file = {sql_string(file)} "
                f"and sha256 = {sql_string(sha)})"
            )
        branches.append(
            f"select {', '.join(values)}, {sql_string(file)} as _file, "
            f"_line from (select {fields}, {line} as _line from {reader}) "
            f"where {' and '.join(conditions)}"
        )
    return branches


def sweep(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Delete copies no part refers to (replaced or removed files, a killed load's copy)
    and leftovers of a copy that was being written. A copy the serving copy still reads
    stays: after a failed build the app, the sensor and `report --recompute` read the
    last good serving copy, whose raw view names the copies of its day."""
    folder = store_dir(con) / source.name
    if not folder.is_dir():
        return
    con.execute(
        "delete from audit.parquet_types where source = $source and sha256 not in "
        "(select sha256 from audit.parquet_parts where source = $source)",
        {"source": source.name},
    )
    used = {
        sha
        for (sha,) in con.execute(
            "select sha256 from audit.parquet_types where source = ?", [source.name]
        ).fetchall()
    }
    used |= _served(con, source)
    for path in folder.iterdir():
        if path.name.startswith(".") or path.stem not in used:
            path.unlink(missing_ok=True)


def _served(con: duckdb.DuckDBPyConnection, source: Source) -> set[str]:
    """The contents whose copies the warehouse's serving copy reads."""
    serving = serving_copy_of(_warehouse(con))
    if not serving.exists():
        return set()
    with duckdb.connect() as reader:
        try:
            reader.execute(f"attach {sql_string(str(serving))} as served (read_only)")
            rows = reader.execute(
                "select sha256 from served.audit.parquet_parts where source = ?", [source.name]
            ).fetchall()
        except duckdb.Error:  # an older serving copy without a store, or unreadable
            return set()
    return {sha for (sha,) in rows}
