"""The command line as a user meets it: help, errors, unfinished commands."""

from __future__ import annotations

from tests.helpers import driftsstatus
from tests.processes import free_port, running, wait_until_healthy


def test_report_without_a_run_says_what_to_do(tmp_path):
    env = {"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "w.duckdb")}
    result = driftsstatus("report", "--month", "2024-01", env=env, check=False)
    assert result.returncode == 2
    assert result.stderr == (
        f"No published data at {tmp_path / 'w.serving.duckdb'}: run `driftsstatus run` first.\n"
    )


def test_r1_an_as_of_without_offset_or_not_an_instant_is_refused_naming_it(tmp_path):
    result = driftsstatus("run", "--as-of", "2024-01-05 10:00", check=False)
    assert result.returncode != 0
    assert "as-of instant needs a UTC offset or Z: '2024-01-05 10:00'" in result.stderr
    result = driftsstatus(
        "publish", "--month", "2024-01", "--as-of", "2024-02-30T00:00Z", check=False
    )
    assert result.returncode == 2
    assert result.stderr.endswith(
        "error: as-of instant is not an ISO 8601 instant (day is out of range for month): "
        "'2024-02-30T00:00Z'\n"
    )


def test_app_command_serves_the_streamlit_app_on_localhost(sample_run):
    """`driftsstatus app` starts Streamlit with the options given, bound to 127.0.0.1."""
    import os
    import subprocess
    import sys

    _, env, _ = sample_run
    port = free_port()
    with running(
        [sys.executable, "-m", "dagster_project.cli", "app", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as process:  # fmt: skip
        health = wait_until_healthy(f"http://127.0.0.1:{port}/_stcore/health", process)
    assert health == b"ok"
