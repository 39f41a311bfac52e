"""`driftsstatus serve`: the daemon, the Dagster UI and the app as supervised processes on
127.0.0.1, a crashed one restarted, all of them gone within 10 s of SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from tests.dagster_ui import schedule_and_sensor_states
from tests.helpers import REPO_ROOT, only_these_settings, pipeline_env, serve_command
from tests.processes import children_running, free_port, running, wait_until_healthy

PROGRAMS = ("dagster-daemon", "dagster-webserver", "app")


def _started(log: Path) -> list[tuple[str, int]]:
    """(program, pid) of every start that serve logged, in order."""
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    return [(name, int(pid)) for name, pid in re.findall(r"started (\S+) \(pid (\d+)\)", text)]


def _wait_for(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.2)


def _live_groups() -> set[int]:
    """Process groups with a live (not zombie) process, as `ps` lists them."""
    listing = subprocess.run(["ps", "-eo", "pgid=,stat="], capture_output=True, text=True)
    rows = (line.split() for line in listing.stdout.splitlines())
    return {int(group) for group, state in rows if not state.startswith("Z")}


def test_ops_serve_supervises_daemon_ui_and_app_and_stops_them_all_on_sigterm(tmp_path: Path):
    dagster_port, app_port = free_port(), free_port()
    (tmp_path / "landing").mkdir()
    env = only_these_settings(pipeline_env(tmp_path / "landing", tmp_path / "warehouse.duckdb"))
    log = tmp_path / "logs" / "serve.log"
    with running(
        serve_command(dagster_port, app_port), cwd=REPO_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ) as serve:  # fmt: skip
        ui, app = f"http://127.0.0.1:{dagster_port}", f"http://127.0.0.1:{app_port}"
        wait_until_healthy(f"{ui}/server_info", serve)
        wait_until_healthy(f"{app}/_stcore/health", serve)
        # The daemon's instance is the persistent one next to the warehouse.
        assert (tmp_path / "dagster" / "dagster.yaml").is_file()
        states = schedule_and_sensor_states(ui, serve)
        assert set(states.values()) == {"RUNNING"} and "landing_files" in states
        started = dict(_started(log))
        assert sorted(started) == sorted(PROGRAMS)
        # Every run the daemon launches inherits the name of one dbt server, serve's child,
        # and forks its dbt builds from it (infra/dbt_server.py).
        [dbt_server] = children_running("dagster_project.infra.dbt_server", parent=serve.pid)
        daemon_env = Path(f"/proc/{started['dagster-daemon']}/environ").read_bytes().split(b"\0")
        named = [v for v in daemon_env if v.startswith(b"DRIFTSSTATUS_DBT_SERVER=")]
        assert named and named[0].startswith(b"DRIFTSSTATUS_DBT_SERVER=driftsstatus-dbt-")

        # A crashed app is started again, and answers again.
        os.killpg(started["app"], signal.SIGKILL)
        _wait_for(lambda: len(_started(log)) == 4, "the app restarted")
        assert "app exited with -9; restarting in 1 s" in log.read_text(encoding="utf-8")
        wait_until_healthy(f"{app}/_stcore/health", serve)

        groups = [pid for _name, pid in _started(log)]
        stopped_at = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
        took = time.monotonic() - stopped_at
        assert took < 10, f"serve took {took:.1f} s to stop"
        assert not set(groups) & _live_groups()
        assert not Path(f"/proc/{dbt_server}").exists()
    assert log.read_text(encoding="utf-8").rstrip().endswith("serve: stopped")
    for name in PROGRAMS:
        assert (tmp_path / "logs" / f"{name}.log").stat().st_size > 0
