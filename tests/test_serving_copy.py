"""The serving copy brought up to date (dagster_project/publish/serving_update.py) holds
what a copy written anew holds: every served table and view, with the same DDL and the
same rows, whatever changed in the warehouse since the last copy."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.publish.serving import SERVED_SCHEMAS, publish_serving_copy
from dagster_project.settings import serving_copy_of
from tests.helpers import copy_warehouse


def _served(copy: Path) -> dict[tuple[str, str], tuple[str, list[tuple]]]:
    """(schema, relation): (its DDL, its rows in order) of every served relation."""
    with duckdb.connect(str(copy), read_only=True) as con:
        relations = con.execute(
            "select schema_name, table_name, sql from duckdb_tables() where schema_name in $s "
            "union all select schema_name, view_name, sql from duckdb_views() "
            "where schema_name in $s and not internal",
            {"s": list(SERVED_SCHEMAS)},
        ).fetchall()
        return {
            (schema, name): (ddl, con.execute(f'from {schema}."{name}" order by all').fetchall())
            for schema, name, ddl in relations
        }


def test_ops_a_serving_copy_brought_up_to_date_holds_what_a_copy_written_anew_holds(
    small_run, tmp_path
):
    warehouse, _ = small_run
    copy = copy_warehouse(warehouse, tmp_path / "warehouse.duckdb", serving=True)
    serving = serving_copy_of(copy)
    assert _served(serving) == _served(publish_serving_copy(copy, tmp_path / "anew.duckdb"))
    with duckdb.connect(str(copy)) as con:
        # A month of a mart rebuilt, a mart's columns changed, audit rows gone, a table
        # new in a served schema and one gone, a table outside the served schemas.
        con.execute(
            "update marts.fct_monthly_availability set availability_pct = 50 "
            "where month = (select max(month) from marts.fct_monthly_availability)"
        )
        con.execute("alter table marts.fct_monthly_operations add column note varchar")
        con.execute("delete from audit.loaded_files where source = 'changes'")
        con.execute("create table marts.extra as select 1 as x")
        con.execute("drop table seeds.areas")
        con.execute("create table intermediate.not_served as select 1 as x")
    before = _served(serving)
    publish_serving_copy(copy, serving)
    after = _served(serving)
    assert after == _served(publish_serving_copy(copy, tmp_path / "anew-after.duckdb"))
    assert after != before
    assert ("marts", "extra") in after and ("seeds", "areas") not in after
    assert not any(schema == "intermediate" for schema, _ in after)
