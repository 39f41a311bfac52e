"""`make dagster` (dg dev) serves the UI with the schedules and sensors switched on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.dagster_ui import schedule_and_sensor_states
from tests.helpers import REPO_ROOT
from tests.processes import free_port, running


def test_ops_dagster_ui_serves_the_schedules_and_sensors_running(tmp_path: Path):
    port = free_port()
    (tmp_path / "landing").mkdir()
    (tmp_path / "home").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    env |= {
        "DRIFTSSTATUS_LANDING_DIR": str(tmp_path / "landing"),
        "DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "home"),
    }
    dg_cli = Path(sys.executable).with_name("dg")
    # Stopped with SIGINT, as Ctrl-C stops it, then killed: dg dev may ignore SIGTERM.
    with running(
        [str(dg_cli), "dev", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ) as server:  # fmt: skip
        states = schedule_and_sensor_states(f"http://127.0.0.1:{port}", server)
    assert states == {
        "nightly_load": "RUNNING",
        "monthly_report_draft": "RUNNING",
        "prune_run_history_daily": "RUNNING",
        "landing_files": "RUNNING",
        "build_after_load": "RUNNING",
        "alert_on_run_failure": "RUNNING",
    }
