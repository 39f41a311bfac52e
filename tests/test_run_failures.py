"""A run whose checks fail stops, says which check failed, and publishes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import driftsstatus, land_conflicting_calls, pipeline_env, query


def test_a_failing_blocking_check_fails_the_run_names_it_and_publishes_nothing(tmp_path):
    landing = shutil.copytree(Path(__file__).with_name("landing_small"), tmp_path / "landing")
    land_conflicting_calls(landing)
    warehouse = tmp_path / "warehouse.duckdb"
    env = pipeline_env(landing, warehouse, as_of="2024-03-20T00:00:00+01:00")
    result = driftsstatus("run", env=env, check=False)
    assert result.returncode == 1
    failed = [line.strip() for line in result.stdout.splitlines() if "FAILED check" in line]
    assert failed and all("stg_operations__service_calls" in line for line in failed), result.stdout
    assert result.stdout.rstrip().splitlines()[-2] == "Run FAILED."
    assert not warehouse.with_name("warehouse.serving.duckdb").exists()
    # The verdict is kept for whoever looks into the warehouse (and served by the next
    # run that succeeds): the failing test, its model and the rows it found.
    failing = query(
        warehouse,
        "select test_name, tested_models, status, failures from audit.data_test_results "
        "where status <> 'pass' and severity = 'error'",
    )
    assert failing == [
        ("row_rules_stg_operations__service_calls", "stg_operations__service_calls", "fail", 2)
    ]
