"""Raw tables the load derives from reference data (holidays, recurring windows) rather
than lands: replaced whole, in one transaction, on every load."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from dagster_project.infra.rows import insert_rows


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple]) -> int:
    """Replace every row of `table` with `rows`; the rows written."""
    con.execute("begin")
    try:
        con.execute(f"delete from {table}")
        insert_rows(con, table, rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(rows)
