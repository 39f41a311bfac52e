"""One writer at a time: `run` and `publish` queue on the warehouse lock and name its holder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from dagster_project.infra.lock import warehouse_lock
from dagster_project.lock_record import lock_file_of
from tests.helpers import REPO_ROOT, driftsstatus, pipeline_env
from tests.processes import running

HOLDER_COMMAND = "driftsstatus publish --month 2024-01"
# Holds the lock as another writer would, until the test closes its stdin.
HOLD_LOCK = f"""
import sys
from pathlib import Path
from dagster_project.infra.lock import warehouse_lock
with warehouse_lock(Path(sys.argv[1]), 10, {HOLDER_COMMAND!r}):
    print("held", flush=True)
    sys.stdin.read()
"""
# Holds the warehouse open read-write in DuckDB, as a tool outside driftsstatus would.
HOLD_DUCKDB = """
import sys
import duckdb
connection = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.read()
"""


@contextmanager
def holding(code: str, warehouse: Path) -> Iterator[subprocess.Popen]:
    """A separate process that holds the warehouse until the block ends."""
    with running(
        [sys.executable, "-c", code, str(warehouse)],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout.readline() == "held\n"
        try:
            yield holder
        finally:
            holder.stdin.close()  # lets go of the warehouse and ends
            holder.wait(timeout=300)


def small_run_env(tmp_path: Path, lock_timeout: str) -> dict[str, str]:
    landing = shutil.copytree(Path(__file__).with_name("landing_small"), tmp_path / "landing")
    env = pipeline_env(landing, tmp_path / "warehouse.duckdb", as_of="2024-03-20T00:00:00+01:00")
    return {**env, "DRIFTSSTATUS_LOCK_TIMEOUT": lock_timeout}


def test_ops_a_writer_gives_up_after_the_timeout_naming_the_holder(tmp_path):
    env = small_run_env(tmp_path, lock_timeout="2")
    warehouse = tmp_path / "warehouse.duckdb"
    with holding(HOLD_LOCK, warehouse) as holder:
        since = json.loads(lock_file_of(warehouse).read_text())["since"]
        started = time.monotonic()
        result = driftsstatus("run", env=env, check=False)
        waited = time.monotonic() - started
    held_by = f"PID {holder.pid} ({HOLDER_COMMAND}, since {since})"
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"driftsstatus run: waiting up to 2 s for the warehouse {warehouse}, locked by {held_by}",
        f"driftsstatus run: the warehouse {warehouse} is locked by {held_by}; gave up after 2 s",
    ]
    assert waited >= 2
    assert not warehouse.exists(), "nothing is written without the lock"


def test_ops_a_waiting_run_proceeds_once_the_holder_releases(tmp_path):
    env = small_run_env(tmp_path, lock_timeout="120")
    warehouse = tmp_path / "warehouse.duckdb"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    # The run starts while the lock is held and outlives the holder: stopped at the very end.
    with ExitStack() as stop_the_run:
        with holding(HOLD_LOCK, warehouse) as holder:
            run = stop_the_run.enter_context(
                running(
                    [sys.executable, "-m", "dagster_project.cli", "run"],
                    cwd=REPO_ROOT,
                    env={**clean, **env},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            waiting = run.stderr.readline()  # said once the run finds the lock taken
            assert f"locked by PID {holder.pid} ({HOLDER_COMMAND}, since " in waiting
        # A deadline only against a hang: the small run takes seconds, even on a busy machine.
        stdout, stderr = run.communicate(timeout=900)
    assert run.returncode == 0, stdout + stderr
    assert stdout.rstrip().splitlines()[-2] == "Run succeeded."
    assert lock_file_of(warehouse).read_text() == "", "a released lock names no holder"


def test_ops_a_duckdb_connection_outside_driftsstatus_blocks_writers_naming_its_pid(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    env = {"DRIFTSSTATUS_WAREHOUSE": str(warehouse), "DRIFTSSTATUS_LOCK_TIMEOUT": "2"}
    with holding(HOLD_DUCKDB, warehouse) as holder:
        result = driftsstatus("publish", "--month", "2024-01", env=env, check=False)
    assert result.returncode == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith(
        f"driftsstatus publish --month 2024-01: the warehouse {warehouse} is locked by "
        f"PID {holder.pid} ("
    )
    assert last.endswith(", holding the file open in DuckDB); gave up after 2 s")


def test_ops_the_lock_is_reentrant_within_a_process(tmp_path):
    """A Dagster run that `driftsstatus run` executes in-process may take the lock again."""
    warehouse = tmp_path / "warehouse.duckdb"
    with (
        warehouse_lock(warehouse, 0, "outer"),
        warehouse_lock(warehouse, 0, "inner"),
    ):
        assert json.loads(lock_file_of(warehouse).read_text())["command"] == "outer"


def test_ops_a_dagster_run_waits_on_the_same_lock(tmp_path, monkeypatch):
    """Runs from the UI, schedules and the sensor take the lock through the warehouse resource."""
    import dagster as dg

    from dagster_project.definitions import defs

    for name, value in small_run_env(tmp_path, lock_timeout="1").items():
        monkeypatch.setenv(name, value)
    warehouse = tmp_path / "warehouse.duckdb"
    job = defs().resolve_job_def("build_all")
    with holding(HOLD_LOCK, warehouse) as holder, dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, partition_key="2024-01-01", raise_on_error=False
        )
    assert not result.success
    failures = [e for e in result.all_events if e.is_failure]
    assert any(f"locked by PID {holder.pid} ({HOLDER_COMMAND}" in str(e) for e in failures)
    assert not warehouse.exists()
