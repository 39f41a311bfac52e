"""`make dagster` (dg dev) serves the UI with the schedules and sensors switched on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers import REPO_ROOT
from tests.processes import free_port, running

QUERY = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
  schedules { name scheduleState { status } }
  sensors { name sensorState { status } } } } } }"""


def _graphql(url: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def _states(url: str, server: subprocess.Popen, timeout: float = 300) -> dict[str, str]:
    """The schedules' and sensors' states, once the UI has loaded the code location.

    Starting the webserver, daemon and code server takes a while on a busy machine: poll,
    with a deadline only for a server that never comes up.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            (repository,) = _graphql(url)["data"]["repositoriesOrError"]["nodes"]
            break
        except (OSError, KeyError, TypeError, ValueError):
            assert server.poll() is None, f"dg dev exited with {server.returncode}"
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    states = {s["name"]: s["scheduleState"]["status"] for s in repository["schedules"]}
    states |= {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]}
    return states


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
        states = _states(f"http://127.0.0.1:{port}", server)
    assert states == {
        "nightly_load": "RUNNING",
        "monthly_report_draft": "RUNNING",
        "prune_run_history_daily": "RUNNING",
        "landing_files": "RUNNING",
        "build_after_load": "RUNNING",
        "alert_on_run_failure": "RUNNING",
    }
