"""What a warehouse file holds: whether it has a table or a column (one from before they
were added, or a serving copy of one, has not)."""

from __future__ import annotations

import duckdb


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    (found,) = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found)


def has_column(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    (found,) = con.execute(
        "select count(*) from duckdb_columns() "
        "where schema_name = ? and table_name = ? and column_name = ?",
        [schema, table, column],
    ).fetchone()
    return bool(found)
