"""The Dagster definitions load the way `dg dev` and the scheduled runs load them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import dagster as dg

from tests.helpers import REPO_ROOT, copy_warehouse

YAML_FILES = sorted((REPO_ROOT / "dbt" / "models").rglob("*.yml"))


def test_dg_check_defs_passes():
    dg_cli = Path(sys.executable).with_name("dg")
    result = subprocess.run(
        [str(dg_cli), "check", "defs"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_asset_per_landing_source_feeds_the_dbt_staging_models():
    from dagster_project.definitions import defs

    graph = defs().resolve_asset_graph()
    raw = {key.to_user_string() for key in graph.get_all_asset_keys() if key.path[0] == "raw"}
    assert raw == {
        "raw/probe_checks",
        "raw/incidents",
        "raw/service_windows",
        "raw/changes",
        "raw/service_calls",
    }
    children = graph.get(dg.AssetKey(["raw", "probe_checks"])).child_keys
    assert dg.AssetKey(["staging", "stg_monitoring__probe_checks"]) in children


def test_serving_copy_is_published_after_every_mart():
    from dagster_project.definitions import defs

    parents = defs().resolve_asset_graph().get(dg.AssetKey("serving_copy")).parent_keys
    marts = {"dim_services", "fct_monthly_availability", "fct_monthly_service_calls"}
    assert {dg.AssetKey(["marts", name]) for name in marts} <= parents


def test_dbt_tests_are_asset_checks_on_the_marts():
    from dagster_project.definitions import defs

    checks = defs().resolve_asset_graph().asset_check_keys
    on_availability = {
        c.name for c in checks if c.asset_key == dg.AssetKey(["marts", "fct_monthly_availability"])
    }
    assert any(name.startswith("not_null") for name in on_availability), on_availability


def test_dbt_runs_on_its_own_for_model_development(warehouse, tmp_path):
    """The analytics engineer's loop: plain `dbt build --select` and `dbt docs generate`."""
    import os

    copy = copy_warehouse(warehouse, tmp_path / "dev.duckdb")
    env = {**os.environ, "DRIFTSSTATUS_WAREHOUSE": str(copy)}
    dbt = str(Path(sys.executable).with_name("dbt"))
    common = ["--profiles-dir", ".", "--target-path", str(tmp_path / "target")]

    def dbt_command(*args: str) -> str:
        result = subprocess.run(
            [dbt, *args, *common], cwd=REPO_ROOT / "dbt", env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-3000:]
        return result.stdout

    built = dbt_command("build", "--select", "fct_monthly_availability")
    assert "Completed successfully" in built
    assert "unit_test" in built  # the rules' unit tests ran with the model
    # Production builds leave them out; here every one of them runs and passes.
    unit_tests = dbt_command("test", "--select", "test_type:unit")
    assert re.search(r"Done\. PASS=(\d+) WARN=0 ERROR=0", unit_tests)[1] == str(
        sum(path.read_text().count("\n  - name: test_") for path in YAML_FILES)
    )
    dbt_command("docs", "generate")
    assert (tmp_path / "target" / "catalog.json").exists()
