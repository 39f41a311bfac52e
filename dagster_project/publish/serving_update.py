"""An existing serving copy brought up to date with the warehouse, instead of written
anew: a nightly run rebuilds one month of the marts, and writing every table again took
0.5 s at 200 services (mostly the 121,146 downtime intervals). A relation whose DDL
changed (or that is new or gone) is made again from the warehouse's DDL; a table whose
DDL is the same keeps its rows where they are equal: of a table with a `month` column,
month by month, of any other, as a whole, compared by the sum of its rows' hashes and
their count."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from dagster_project.landing.checks import sql_string

COPY = "serving_copy"  # the copy's name while attached to the warehouse
# Free blocks (of tables replaced or rows deleted) beyond this share of the file: the
# copy is written anew, as live data only. Brought up to date night after night, a copy
# at 200 services grows from 8.7 MB to 11-14 MB before that.
_MOST_FREE = 0.25


def mostly_live(copy: Path) -> bool:
    """`copy` exists and at most a quarter of its blocks are free."""
    if not copy.exists():
        return False
    with duckdb.connect(str(copy), read_only=True) as con:
        total, free = con.execute(
            "select total_blocks, free_blocks from pragma_database_size()"
        ).fetchone()
    return free <= _MOST_FREE * total


def bring_up_to_date(warehouse: Path, copy: Path, schemas: Sequence[str]) -> None:
    """The tables and views of the warehouse's `schemas` into the DuckDB file `copy`,
    writing only what differs."""
    with duckdb.connect(str(warehouse)) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        con.execute(f"attach {sql_string(str(copy))} as {COPY}")
        try:
            for schema in schemas:
                con.execute(f"create schema if not exists {COPY}.{quoted(schema)}")
            if kept := _update_relations(con, catalog, schemas):
                _update_rows(con, catalog, kept)
            con.execute(f"checkpoint {COPY}")
        finally:
            con.execute(f"use {quoted(catalog)}")
            con.execute(f"detach {COPY}")


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _update_relations(
    con: duckdb.DuckDBPyConnection, catalog: str, schemas: Sequence[str]
) -> list[tuple[str, str]]:
    """The relations of `schemas` made again where their DDL differs; the tables whose
    DDL is the same, (schema, table), whose rows are left to compare."""
    wanted, held = _relations(con, catalog, schemas), _relations(con, COPY, schemas)
    for (schema, name), (kind, ddl) in held.items():
        if wanted.get((schema, name)) != (kind, ddl):
            con.execute(f"drop {kind} {COPY}.{quoted(schema)}.{quoted(name)}")
    kept = []
    for (schema, name), (kind, ddl) in wanted.items():
        if held.get((schema, name)) == (kind, ddl):
            kept += [(schema, name)] if kind == "table" else []
            continue
        con.execute(f"use {COPY}")  # the DDL names the schema only
        con.execute(ddl)
        con.execute(f"use {quoted(catalog)}")
        if kind == "table":
            relation = f"{quoted(schema)}.{quoted(name)}"
            con.execute(f"insert into {COPY}.{relation} select * from {relation}")
    return kept


def _relations(
    con: duckdb.DuckDBPyConnection, database: str, schemas: Sequence[str]
) -> dict[tuple[str, str], tuple[str, str]]:
    """(schema, name): (table or view, its DDL) of the relations of `database`'s
    `schemas`."""
    rows = con.execute(
        "select schema_name, table_name, 'table', sql from duckdb_tables() "
        "where database_name = $database and schema_name in $schemas "
        "union all select schema_name, view_name, 'view', sql from duckdb_views() "
        "where database_name = $database and schema_name in $schemas and not internal",
        {"database": database, "schemas": list(schemas)},
    ).fetchall()
    return {(schema, name): (kind, ddl) for schema, name, kind, ddl in rows}


def _update_rows(
    con: duckdb.DuckDBPyConnection, catalog: str, tables: list[tuple[str, str]]
) -> None:
    """The copy's rows of `tables` made equal to the warehouse's, by month where a table
    has a month: each side's digests in one query, then the parts that differ."""
    by_month = set(
        con.execute(
            "select schema_name, table_name from duckdb_columns() "
            "where database_name = ? and column_name = 'month'",
            [catalog],
        ).fetchall()
    )
    # Per table: its relation, and what its parts are told apart by.
    parts = [
        (f"{quoted(schema)}.{quoted(table)}", "month" if (schema, table) in by_month else "null")
        for schema, table in tables
    ]

    def digests(database: str) -> set[tuple]:
        branches = (
            f"select {number} as number, cast({part} as varchar) as part, "
            f"sum(hash(served_row)::hugeint), count(*) from {database}.{relation} as served_row "
            "group by all"
            for number, (relation, part) in enumerate(parts)
        )
        return set(con.execute(" union all ".join(branches)).fetchall())

    differing = {(number, key) for number, key, *_ in digests(quoted(catalog)) ^ digests(COPY)}
    for number, key in differing:
        relation, part = parts[number]
        where = f"cast({part} as varchar) is not distinct from ?"
        con.execute(f"delete from {COPY}.{relation} where {where}", [key])
        con.execute(f"insert into {COPY}.{relation} select * from {relation} where {where}", [key])
