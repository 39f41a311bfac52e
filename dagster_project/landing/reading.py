"""Read one landing file into the temp view `staged`.

`staged` holds the contract's columns (as text, or natively typed from Parquet), each
row's line number `_line` and raw text `_raw`, and `_error`: the reason for a record
DuckDB could not split into fields (too many or too few fields, a quote never closed,
an over-long line). Such a record is one rejected row; only what makes the whole file
unreadable (not UTF-8, not CSV, a damaged gzip or Parquet file, a header without the
contract's columns) raises `FileRejected`, with the real cause and its line.
"""

from __future__ import annotations

import codecs
import csv
import glob
import gzip
import re
import zlib
from pathlib import Path

import duckdb

from dagster_project.landing.checks import sql_string
from dagster_project.landing.lines import has_empty_lines, open_text, record_lines
from dagster_project.landing.sources import INVISIBLE, Column, Source

MAX_LINE_BYTES = 32 << 20  # DuckDB's default is 2 MB; a long incident description is fine
SNIFF_BYTES = 8192  # the start of a file, looked at for binary data
RAW_LINE_LIMIT = 1 << 16  # characters of a malformed record kept as its raw line
# Parquet column types that already are what a column of the kind must be.
NATIVE_TYPES = {
    "timestamp": ("TIMESTAMP WITH TIME ZONE",),
    "int": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"),
}
# JSON Lines are read as one text column: no byte of valid JSON can split it, since
# JSON allows no raw control character.
JSON_LINES = "header = false, delim = chr(31), quote = '', escape = ''"
CSV = "header = true, delim = ',', quote = '\"', escape = '\"'"


class FileRejected(Exception):
    """The file as a whole breaks the contract (unreadable, missing column, ...)."""


def stage_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> frozenset[str]:
    """Make `staged` hold the file's rows; returns the natively typed (Parquet) columns."""
    drop_temp(con, "staged")
    if path.name.lower().endswith(".parquet"):
        return _stage_parquet(con, source, path)
    if source.name == "incidents":
        _stage_json_lines(con, source, path)
    else:
        _stage_csv(con, source, path)
    return frozenset()


def stage_instants(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> frozenset[str]:
    """Make `staged` (a view) hold the file's time columns alone: enough to date it.

    The records are split as the load splits them (the same reader and dialect), but
    without line numbers, reject reasons or the other columns, so dating a file costs a
    fraction of staging it. A record the load rejects may widen the dates, never narrow
    them. Returns the natively typed (Parquet) columns.
    """
    drop_temp(con, "staged")
    if path.name.lower().endswith(".parquet"):
        return _stage_parquet(con, source, path)
    if source.name == "incidents":
        read = _csv_reader(path, ["doc"], JSON_LINES, "ignore_errors = true")
        fields = [f"json_extract_string(doc, '$.{name}') as {name}" for name in source.time_columns]
        condition = "where json_valid(doc)"
    else:
        header = read_header(path)
        _require_columns(source, header)
        read = _csv_reader(path, [f"c{i}" for i in range(len(header))], CSV, "ignore_errors = true")
        fields = [f"c{header.index(name)} as {name}" for name in source.time_columns]
        condition = ""
    con.execute(f"create temp view staged as select {', '.join(fields)} from {read} {condition}")
    return frozenset()


def _csv_reader(path: Path, fields: list[str], dialect: str, rejects: str) -> str:
    """SQL: DuckDB's reader of a text landing file, every field as text."""
    columns = ", ".join(f"'{f}': 'varchar'" for f in fields)
    compression = "gzip" if path.name.lower().endswith(".gz") else "none"
    return (
        f"read_csv({reader_path(path)}, columns = {{{columns}}}, auto_detect = false, "
        f"{dialect}, compression = '{compression}', max_line_size = {MAX_LINE_BYTES}, "
        f"{rejects})"
    )


def drop_temp(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a previous file's temp view or table `name`, whichever it is."""
    found = con.execute(
        "select 'view' from duckdb_views() where view_name = $name and temporary union all "
        "select 'table' from duckdb_tables() where table_name = $name and temporary",
        {"name": name},
    ).fetchall()
    if found:
        con.execute(f"drop {found[0][0]} {name}")


def _stage_parquet(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> frozenset[str]:
    """Read in place (a view); a column already of its kind's type (TIMESTAMPTZ, an
    integer) stays typed and is checked as such, with no round trip through text."""
    fields, native = parquet_fields(con, source, path)
    con.execute(
        f"create temp view staged as select {fields}, "
        f"file_row_number + 1 as _line, null::varchar as _raw, null::varchar as _error "
        f"from {parquet_reader(path)}"
    )
    return native


def parquet_reader(path: Path) -> str:
    return f"read_parquet({reader_path(path)}, file_row_number = true)"


def reader_path(path: Path) -> str:
    """SQL: the path as DuckDB's file readers take it, its glob characters ('*', '?',
    '[') escaped: a landing file named 'x[1].csv' is that file, not x1.csv, and one
    named '*.csv' is not every CSV file beside it."""
    return sql_string(glob.escape(str(path)))


def parquet_fields(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path
) -> tuple[str, frozenset[str]]:
    """SQL: the contract's columns of a Parquet file, each natively typed or as text
    (NULL where absent); and which are native."""
    try:
        types = {
            row[0]: row[1]
            for row in con.execute(f"describe select * from {parquet_reader(path)}").fetchall()
        }
        schema = con.execute(
            f"select name, num_children from parquet_schema({reader_path(path)})"
        ).fetchall()
    except duckdb.Error as error:
        raise FileRejected(explain(error)) from error
    # The file's own names: DuckDB reads a column named twice as 'status' and 'status_1'.
    present = _require_columns(source, _top_level_names(schema), names="schema")
    native = frozenset(c.name for c in present if types[c.name] in NATIVE_TYPES.get(c.kind, ()))
    fields = [
        c.name if c.name in native else f"cast({c.name} as varchar) as {c.name}" for c in present
    ]
    fields += [f"null::varchar as {c.name}" for c in source.columns if c not in present]
    return ", ".join(fields), native


def _top_level_names(schema: list[tuple[str, int | None]]) -> list[str]:
    """The top-level column names of a Parquet schema, as parquet_schema() lists its
    elements: depth first, the root first, each with its number of children."""
    names, at = [], 1

    def after(element: int) -> int:  # the element after this one's subtree
        following = element + 1
        for _ in range(schema[element][1] or 0):
            following = after(following)
        return following

    while at < len(schema):
        names.append(schema[at][0])
        at = after(at)
    return names


def _stage_csv(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> None:
    header = read_header(path)
    present = _require_columns(source, header)
    fields = [f"c{i}" for i in range(len(header))]
    _read_records(con, source, path, fields, CSV, base=1, quoted=True)
    columns = [f"c{header.index(c.name)} as {c.name}" for c in present]
    columns += [f"null::varchar as {c.name}" for c in source.columns if c not in present]
    raw = " || ',' || ".join(f"coalesce({f}, '')" for f in fields)
    con.execute(
        f"create temp view staged as "
        f"select {', '.join(columns)}, _line, {raw} as _raw, null::varchar as _error "
        f"from _landing_records union all by name "
        f"select _line, raw as _raw, reason as _error from _landing_errors"
    )


def _stage_json_lines(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> None:
    """One JSON document per line, read as text, so that one bad line is one reject."""
    _read_records(con, source, path, ["doc"], JSON_LINES, base=0, quoted=False)
    fields = ", ".join(
        f"case when json_valid(doc) then json_extract(doc, '$.{c.name}')::varchar end as {c.name}"
        if c.kind == "id_list"
        else f"case when json_valid(doc) then json_extract_string(doc, '$.{c.name}') end "
        f"as {c.name}"
        for c in source.columns
    )
    con.execute(
        f"create temp view staged as "
        f"select {fields}, _line, doc as _raw, null::varchar as _error "
        f"from _landing_records where trim(doc) <> '' union all by name "
        f"select _line, raw as _raw, reason as _error from _landing_errors"
    )


def read_header(path: Path) -> list[str]:
    """The column names of a CSV file's first line (a UTF-8 BOM and blanks stripped)."""
    try:
        with open_text(path) as handle:
            head = handle.read(SNIFF_BYTES)
            if b"\n" not in head:
                head += handle.readline(MAX_LINE_BYTES)
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise FileRejected(f"truncated or corrupt gzip file ({error})") from error
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(
            "UTF-16 encoded (it starts with its byte order mark); the contract reads UTF-8"
        )
    first = head.split(b"\n", 1)[0]
    if not first.strip():
        raise FileRejected("empty file" if not head else "line 1: no header")
    try:
        text = first.decode("utf-8-sig")
        binary = b"\x00" in first
    except UnicodeDecodeError as error:
        # Binary data (an image, a spreadsheet) rather than text in another encoding.
        binary = b"\x00" in head[:SNIFF_BYTES]
        if not binary:
            raise FileRejected(f"not UTF-8 encoded (line 1, byte {error.start})") from error
    if binary:
        raise FileRejected(f"not a CSV file (binary data at byte {head.index(0)})")
    text = text.rstrip("\r\n")
    if "\r" in text:
        raise FileRejected(
            "line 1: lines end in a carriage return alone; the contract reads LF or CRLF"
        )
    try:
        return [name.strip() for name in next(csv.reader([text]))]
    except csv.Error as error:
        raise FileRejected(f"line 1: not a CSV header ({error})") from error


def _require_columns(source: Source, header: list[str], names: str = "header") -> list[Column]:
    """The contract's columns present in the header (a Parquet file's schema: `names`); a
    missing required one, or a column named twice, rejects the file."""
    twice = sorted({c.name for c in source.columns if header.count(c.name) > 1})
    if twice:
        raise FileRejected(f"column(s) named twice in the {names}: {', '.join(twice)}")
    missing = [c.name for c in source.columns if c.required and c.name not in header]
    if missing:
        hint = ""
        for separator, name in ((";", "semicolons"), ("\t", "tabs")):
            if len(header) == 1 and separator in header[0]:
                hint = f"; the header is separated by {name}, the contract wants commas"
        # A name in capitals, or with a character a screen does not show (shown escaped).
        near = [repr(h) for h in header if _bare(h) in missing]
        if near and not hint:
            hint = (
                f"; the {names} writes {', '.join(near)} (the contract's names are lower case, "
                "with no other character)"
            )
        raise FileRejected(f"missing required column(s): {', '.join(missing)}{hint}")
    return [c for c in source.columns if c.name in header]


def _bare(name: str) -> str:
    """A column name as the contract would write it: lower case, no invisible character."""
    return re.sub(INVISIBLE, "", name).strip().lower()


def _read_records(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    fields: list[str],
    dialect: str,
    base: int,
    quoted: bool,
) -> None:
    """Fill `_landing_records` (the fields, `_line`) and `_landing_errors` (the records
    DuckDB rejected: `_line`, reason, raw text). `base`: lines before the first record."""
    for name in ("_landing_records", "_landing_errors", "_landing_scans", "_landing_rejects"):
        drop_temp(con, name)
    try:
        con.execute(
            "create temp table _landing_records as select * from "
            + _csv_reader(
                path,
                fields,
                dialect,
                "store_rejects = true, rejects_scan = '_landing_scans', "
                "rejects_table = '_landing_rejects'",
            )
            + f" with ordinality as t({', '.join(fields)}, _k)"
        )
    except duckdb.Error as error:
        raise FileRejected(explain(error)) from error
    what = "row" if quoted else "line"
    con.execute(
        f"""
        create temp table _landing_errors as
        select line as rec, left(any_value(csv_line), {RAW_LINE_LIMIT}) as raw,
            case
                when list_contains(list(error_type), 'INVALID ENCODING') then 'INVALID ENCODING'
                when list_contains(list(error_type), 'LINE SIZE OVER MAXIMUM')
                    then '{what}: longer than {MAX_LINE_BYTES:,} bytes'
                when {not quoted} then 'line: not a JSON object (holds a raw control character)'
                when list_contains(list(error_type), 'UNQUOTED VALUE')
                    then 'row: a quote that is never closed'
                when list_contains(list(error_type), 'TOO MANY COLUMNS')
                    or list_contains(list(error_type), 'MISSING COLUMNS')
                    then 'row: '
                        || min(try_cast(regexp_extract(error_message, 'Found: (\\d+)', 1) as int))
                        || ' fields where the header has {len(fields)}'
                else 'row: ' || any_value(error_message)
            end as reason
        from _landing_rejects group by line
        """
    )
    _number_lines(con, path, base, quoted, fields)
    bad = con.execute(
        "select _line from _landing_errors where reason = 'INVALID ENCODING' order by 1 limit 1"
    ).fetchall()
    if bad:
        raise FileRejected(f"not UTF-8 encoded (line {bad[0][0]})")


def _number_lines(
    con: duckdb.DuckDBPyConnection, path: Path, base: int, quoted: bool, fields: list[str]
) -> None:
    """Give records and rejects `_line`, the line each starts on."""
    breaks = " or ".join(f"contains({f}, chr(10)) or contains({f}, chr(13))" for f in fields)
    spans_lines = (
        quoted
        and con.execute(
            f"select exists (select 1 from _landing_records where {breaks}) or exists "
            "(select 1 from _landing_errors where regexp_matches(raw, '[\\r\\n].'))"
        ).fetchall()[0][0]
    )
    if spans_lines or has_empty_lines(path):
        con.register("_landing_lines_frame", record_lines(path, quoted))
        # The k-th good row is the k-th record that is neither empty nor rejected.
        con.execute(
            f"""
            create or replace temp table _landing_numbers as
            select rec, line, row_number() over (order by rec) as k
            from _landing_lines_frame
            where not is_empty and rec > {base}
                and rec not in (select rec from _landing_errors)
            """
        )
        con.execute(
            "create or replace temp table _landing_records as select r.* exclude (_k), "
            f"coalesce(n.line, r._k + {base}) as _line "
            "from _landing_records r left join _landing_numbers n on n.k = r._k"
        )
        con.execute(
            "create or replace temp table _landing_errors as select e.*, "
            "coalesce(l.line, e.rec) as _line "
            "from _landing_errors e left join _landing_lines_frame l using (rec)"
        )
        con.unregister("_landing_lines_frame")
        return
    # One record per line: the k-th good row's record number is k + base plus the
    # rejected records before it.
    con.execute(
        f"""
        create or replace temp table _landing_records as
        with rejected as (
            select rec - {base} - row_number() over (order by rec) as good_before,
                row_number() over (order by rec) as rejected_before
            from _landing_errors
        ),
        gaps as (
            select good_before, max(rejected_before) as rejected_before
            from rejected group by all
        )
        select r.* exclude (_k), r._k + {base} + coalesce(g.rejected_before, 0) as _line
        from _landing_records r asof left join gaps g on r._k > g.good_before
        """
    )
    con.execute("alter table _landing_errors add column _line bigint")
    con.execute("update _landing_errors set _line = rec")


# DuckDB's words for file-level problems, and what they mean to the sender.
_EXPLANATIONS = (
    ("not utf-8 encoded", "not UTF-8 encoded"),
    ("GZIP", "truncated or corrupt gzip file"),
    ("gzip", "truncated or corrupt gzip file"),
    ("Parquet", "not a readable Parquet file"),
    ("parquet", "not a readable Parquet file"),
)


def explain(error: Exception) -> str:
    """A clear reason for a file that cannot be read, with DuckDB's own first line."""
    text = str(error).strip()
    first = text.splitlines()[0]
    for needle, meaning in _EXPLANATIONS:
        if needle in text:
            return f"{meaning} ({first})"
    return first
