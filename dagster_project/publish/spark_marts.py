"""The marts a Spark build made, into the warehouse: the app, the exports and the
published reports read DuckDB, whichever engine built them.

dbt's on-run-end hook on Spark (dbt/macros/spark/built_relations.sql) leaves every
relation the build made as Parquet in `<spark folder>/built/<schema>.<name>/`, in the
contract's column order, instants as UTC microseconds. Each mart replaces the rows of
the warehouse's table of that name, all in one transaction: a reader sees the marts of
one build or of the other, and a table made by an earlier DuckDB build keeps its NOT
NULL constraints, which DuckDB enforces as the rows arrive (Spark's Parquet tables do
not enforce them).
"""

from __future__ import annotations

import glob
from pathlib import Path

import duckdb

from dagster_project.landing.checks import sql_string

SCHEMA = "marts"


def import_built_marts(warehouse: Path, built: Path) -> list[str]:
    """Every mart in `built` into `warehouse`; returns the tables, as marts.<name>."""
    tables = []
    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin")
        con.execute(f"create schema if not exists {SCHEMA}")
        for folder in sorted(built.glob(f"{SCHEMA}.*")):
            table = folder.name
            rows = f"read_parquet({sql_string(glob.escape(str(folder)) + '/*.parquet')})"
            con.execute(f"create table if not exists {table} as select * from {rows} limit 0")
            con.execute(f"delete from {table}")
            con.execute(f"insert into {table} by name select * from {rows}")
            tables.append(table)
        con.execute("commit")
    return tables
