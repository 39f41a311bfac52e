"""A clean Parquet file proved clean without checking it row by row.

Checking 17 million probe checks row by row costs about 1.5 s a month; their
distinct values and extremes cost a tenth of that. Every column check of the
contract (landing/checks.py) reads one column, and a native column's checks are
"present" and "in range", true of every value between two values they hold for. So
the same check SQL run over a few witness rows decides for the whole file: per
distinct combination of the text columns, one row with each native column's least
value, one with its greatest, and one with NULL where the group holds a missing one.
No witness fails iff no row fails. Otherwise, or where the shortcut does not hold
(row rules over two columns, a text-typed timestamp or number with as many values as
rows, JSON documents), the file is checked row by row as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from dagster_project.landing.checks import TimeLimits, checked_rows_sql, valued_rows_sql
from dagster_project.landing.sources import Source

# Kinds whose text values are few (ids, value sets): grouping by them is cheap.
FEW_VALUES = ("text", "enum", "service_id")


@dataclass(frozen=True)
class CleanFile:
    """A file no row of which fails a check: how many rows, its first and last instant,
    and its text columns whose every value is trimmed and not empty already (`as_is`:
    the raw view reads them without trimming each value again, store.record_types)."""

    rows: int
    first_at: datetime | None
    last_at: datetime | None
    as_is: frozenset[str] = frozenset()


def applies(source: Source, native: frozenset[str]) -> bool:
    """The witnesses decide for this file: single-column checks only, and every column
    either native or of a kind with few values."""
    return (
        not source.row_rules
        and source.readable is None
        and all(c.name in native or c.kind in FEW_VALUES for c in source.columns)
    )


def clean_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    services: list[str],
    native: frozenset[str],
    limits: TimeLimits,
) -> CleanFile | None:
    """The file staged in `staged` when none of its rows fails a check, else None."""
    if not applies(source, native):
        return None
    text = [c.name for c in source.columns if c.name not in native]
    natives = [c.name for c in source.columns if c.name in native]
    at = source.time_columns[0]
    keys = ", ".join(text) or "true"
    extremes = ", ".join(
        f"min({n}) as {n}__least, max({n}) as {n}__greatest, count({n}) < count(*) as {n}__gap"
        for n in natives
    )
    con.execute(
        f"create or replace temp table _groups as select {', '.join([*text, extremes])}, "
        f"count(*) as _rows from staged group by {keys}"
    )
    witnesses = " union all ".join(
        f"select {', '.join([*text, *picks])}, null::bigint as _line, null::varchar as _raw, "
        "null::varchar as _error from _groups"
        for picks in (
            [f"{n}__least as {n}" for n in natives],
            [f"{n}__greatest as {n}" for n in natives],
            [f"case when {n}__gap then null else {n}__least end as {n}" for n in natives],
        )
    )
    checked = checked_rows_sql(
        source, services, native, limits, f"({valued_rows_sql(source, native, f'({witnesses})')})"
    )
    try:
        (failing,) = con.execute(
            f"select count(*) from ({checked}) where _reason is not null"
        ).fetchone()
        if failing:
            return None
        plain = [c.name for c in source.columns if c.name in text and c.kind in FEW_VALUES]
        # A text value that trimming and emptiness-to-NULL leave as it is (NULL too).
        as_is = "".join(f", coalesce(bool_and({n} = trim({n}) and {n} <> ''), true)" for n in plain)
        rows, first_at, last_at, *flags = con.execute(
            f"select sum(_rows), min({at}__least), max({at}__greatest){as_is} from _groups"
        ).fetchone()
    finally:
        con.execute("drop table _groups")
    kept = frozenset(n for n, flag in zip(plain, flags, strict=True) if flag)
    return CleanFile(int(rows or 0), first_at, last_at, kept)
