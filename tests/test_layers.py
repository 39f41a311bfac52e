"""Layers that hold (issue 16): the app and the exports read the marts (and the audit and
published tables) only, and the marts read models, never a seed or a source directly;
the marts' contracts hold in the warehouse itself (NOT NULL constraints)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import duckdb
import pytest

from dagster_project.infra.dbt_cli import dbt_cli
from dagster_project.infra.dbt_command import PROJECT_MANIFEST, run_dbt
from dagster_project.settings import REPO_ROOT, load_settings
from tests.helpers import copy_warehouse, query

READERS = [REPO_ROOT / "dagster_project" / "report", REPO_ROOT / "app"]
TABLE = re.compile(r"\b(?:from|join)\s+([a-z_]+)\.([a-z_]+)", re.IGNORECASE)


def _sql_tables(path: Path) -> set[str]:
    """schema.table after `from` or `join` in the file's string literals (its SQL)."""
    strings = [
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    return {f"{schema}.{table}" for text in strings for schema, table in TABLE.findall(text)}


def test_ops_the_app_and_the_exports_read_only_marts_audit_and_published_tables():
    read = {
        table: path.relative_to(REPO_ROOT).as_posix()
        for folder in READERS
        for path in sorted(folder.rglob("*.py"))
        for table in _sql_tables(path)
    }
    assert {t.split(".")[0] for t in read} == {"marts", "audit", "published"}, read
    assert read["marts.fct_service_windows"] == "dagster_project/report/details.py"


def test_ops_only_staging_models_read_seeds_and_sources(small_run):
    # The pipeline's run has just written the manifest of this project.
    manifest = json.loads(PROJECT_MANIFEST.read_text())
    readers = {
        node["name"]: node["fqn"][1]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and any(
            parent.split(".")[0] in ("seed", "source") for parent in node["depends_on"]["nodes"]
        )
    }
    assert set(readers.values()) == {"staging"}, readers
    assert {n for n in readers if n.startswith("stg_reference__")} == {
        "stg_reference__areas",
        "stg_reference__contract_terms",
        "stg_reference__public_holidays",
        "stg_reference__recurring_window_occurrences",
        "stg_reference__response_targets",
        "stg_reference__service_hours",
        "stg_reference__services",
        "stg_reference__sla_targets",
    }


def test_ops_every_dbt_warning_has_the_danish_label_the_app_shows():
    """The Datakvalitet page names a data test not passed by the label its dbt config
    gives (`meta: {label: ...}`, recorded by dbt/macros/data_test_results.sql), its name
    without one: every warning, which the readers see after a good run, has one."""
    manifest = json.loads(PROJECT_MANIFEST.read_text(encoding="utf-8"))
    warnings = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node["config"]["severity"].lower() == "warn"
    ]
    assert len(warnings) >= 10
    assert [n["name"] for n in warnings if not n["config"]["meta"].get("label")] == []


def test_r3_r12_fct_service_windows_holds_each_window_per_service(small_run):
    rows = query(
        small_run[0],
        "select window_id, service_id, area, description, is_planned, strftime(month, '%Y-%m') "
        "from marts.fct_service_windows order by window_id",
    )
    assert rows == [
        ("W-LATE", "bf_infra", "stoettesystemer", "Registered after start", False, "2024-02"),
        ("W-PLANNED", "bf_infra", "stoettesystemer", "Planned", True, "2024-02"),
    ]


def _required_mart_columns() -> set[tuple[str, str]]:
    """(mart, column) for every column the marts' contracts declare NOT NULL."""
    manifest = json.loads(PROJECT_MANIFEST.read_text())
    return {
        (node["name"], column["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
        for column in node["columns"].values()
        if any(c["type"] == "not_null" for c in column["constraints"])
    }


def _not_null_in(warehouse: Path) -> set[tuple[str, str]]:
    return set(
        query(
            warehouse,
            "select table_name, unnest(constraint_column_names) from duckdb_constraints() "
            "where schema_name = 'marts' and constraint_type = 'NOT NULL'",
        )
    )


def test_ops_marts_refuse_a_null_in_a_required_column(small_run, tmp_path):
    warehouse, _ = small_run
    required = _required_mart_columns()
    assert ("fct_monthly_availability", "month") in required and len(required) == 34
    assert _not_null_in(warehouse) == required
    # The database refuses the row as it is written, naming table and column.
    copy = copy_warehouse(warehouse, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(copy)) as con, pytest.raises(duckdb.ConstraintException) as refused:
        con.execute(
            "insert into marts.fct_monthly_operations (area, month, changes) "
            "values ('stoettesystemer', null, 0)"
        )
    assert str(refused.value) == (
        'Constraint Error: NOT NULL constraint failed: fct_monthly_operations."month"'
    )


def test_ops_a_monthly_mart_made_before_its_constraints_gets_them_on_the_next_build(
    small_run, tmp_path
):
    warehouse, _ = small_run
    copy = copy_warehouse(warehouse, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(copy)) as con:
        for column in ("area", "month"):
            con.execute(
                f"alter table marts.fct_monthly_operations alter column {column} drop not null"
            )
    assert not {c for c in _not_null_in(copy) if c[0] == "fct_monthly_operations"}
    env = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(copy)}).dbt_env()
    dbt = dbt_cli(env)
    dbt.cli(["run", "--select", "fct_monthly_operations"], target_path=tmp_path / "target").wait()
    assert _not_null_in(copy) == _not_null_in(warehouse)


def _broken_rules(warehouse, test: str, target) -> tuple[str, list[tuple[str, int]]]:
    """dbt's output of the row_rules test `test`, and its failures kept by dbt: (rule,
    failing rows) in the order of the rules' labels."""
    env = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(warehouse)}).dbt_env()
    result = run_dbt(["test", "--select", test, "--store-failures"], env, target, None)
    assert result.returncode == 1
    assert f"Failure in test {test}" in result.stdout
    (relation,) = re.findall(r"select \* from (\S+)", result.stdout)
    return result.stdout, query(
        warehouse, f"select rule, failing_rows from {relation} order by rule"
    )


def test_ops_row_rules_name_every_broken_rule_with_its_rows(small_run, tmp_path):
    """A model's value rules are one dbt test (dbt/tests/generic/row_rules.sql): a failure
    lists each broken rule with the rows that break it, and nothing for the rules that
    hold."""
    warehouse, _ = small_run
    copy = copy_warehouse(warehouse, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(copy)) as con:
        rows = con.execute("select count(*) from marts.fct_incidents").fetchone()[0]
        assert rows >= 3
        # One row with its impact out of (0, 1], two with a status outside the set: two
        # rules broken, three rows in all.
        first = "select rowid from marts.fct_incidents order by incident_id, service_id limit"
        con.execute(f"update marts.fct_incidents set impact = 1.5 where rowid in ({first} 1)")
        con.execute(f"update marts.fct_incidents set status = 'x' where rowid in ({first} 2)")
    output, broken = _broken_rules(copy, "row_rules_fct_incidents", tmp_path / "target")
    assert "Got 3 results, configured to fail if != 0" in output
    assert broken == [
        ("accepted_values: status in (open, resolved)", 2),
        ("between: impact in (0, 1]", 1),
    ]


def test_ops_row_rules_name_a_key_held_twice_and_intervals_that_overlap(small_run, tmp_path):
    """A model's key and its disjoint intervals are rules of its row_rules test too: one
    segment of service time written twice holds its key twice and overlaps itself."""
    warehouse, _ = small_run
    copy = copy_warehouse(warehouse, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "insert into intermediate.int_service_time_segments select * from "
            "intermediate.int_service_time_segments order by service_id, start_at limit 1"
        )
    test = "row_rules_int_service_time_segments"
    output, broken = _broken_rules(copy, test, tmp_path / "target")
    assert "Got 2 results, configured to fail if != 0" in output
    assert broken == [
        ("intervals_do_not_overlap: service_id", 1),
        ("unique: service_id, start_at", 1),
    ]


def test_ops_a_model_that_fails_to_build_leaves_its_last_table_and_view(small_run, tmp_path):
    """A model's relation is dropped and made anew in one transaction
    (dbt/macros/materializations.sql): a build that fails leaves the last one whole."""
    warehouse, _ = small_run
    copy = copy_warehouse(warehouse, tmp_path / "warehouse.duckdb")
    incidents = "select * from marts.fct_incidents order by all"
    view = "select sql from duckdb_views() where view_name = 'stg_operations__changes'"
    before = query(copy, incidents), query(copy, view)
    assert before[0] and before[1]
    with duckdb.connect(str(copy)) as con:
        # The table's parent fails as it is read; the view's source lost a column it reads.
        con.execute("alter table intermediate.int_incidents_as_of rename to kept")
        con.execute(
            "create view intermediate.int_incidents_as_of as select * from intermediate.kept "
            "where error('the parent broke') is null"
        )
        con.execute("alter table raw.changes rename column summary to text")
    env = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(copy)}).dbt_env()
    selected = ["--select", "fct_incidents", "stg_operations__changes"]
    result = run_dbt(["run", *selected], env, tmp_path / "target", None)
    assert result.returncode == 1
    assert "the parent broke" in result.stdout
    assert 'Binder Error: Referenced column "summary" not found in FROM clause!' in result.stdout
    assert (query(copy, incidents), query(copy, view)) == before
