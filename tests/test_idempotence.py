"""Runs are repeatable: the same landing folder gives the same marts, even after a crash."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, copy_warehouse, driftsstatus, mart_rows, pipeline_env
from tests.processes import running

AS_OF = "2024-03-01T00:00:00+01:00"


def _uninterrupted(folder: Path, sample_landing: Path) -> dict:
    """The sample with three months of probe checks (big enough to kill a load halfway),
    run once without interruption."""
    landing = shutil.copytree(sample_landing, folder / "landing")
    for path in (landing / "probe_checks").iterdir():
        if path.name < "2023-11":
            path.unlink()
    warehouse = folder / "warehouse.duckdb"
    driftsstatus("run", env=pipeline_env(landing, warehouse, as_of=AS_OF))
    return {"landing": str(landing), "warehouse": str(warehouse)}


@pytest.fixture(scope="module")
def uninterrupted(built_once, sample_landing: Path) -> tuple[Path, Path]:
    """(landing folder, warehouse) of the uninterrupted run."""
    built = built_once("uninterrupted", lambda folder: _uninterrupted(folder, sample_landing))
    return Path(built["landing"]), Path(built["warehouse"])


def test_a_second_run_over_the_same_folder_skips_every_file_and_changes_nothing(
    uninterrupted, tmp_path
):
    landing = shutil.copytree(uninterrupted[0], tmp_path / "landing")
    warehouse = copy_warehouse(uninterrupted[1], tmp_path / "warehouse.duckdb")
    again = driftsstatus("run", env=pipeline_env(landing, warehouse, as_of=AS_OF))
    assert "probe_checks     files 0/3/0  rows 0/0" in again.stdout
    assert mart_rows(warehouse) == mart_rows(uninterrupted[1])


def test_a_run_killed_in_the_middle_of_a_load_then_rerun_gives_the_same_marts(
    uninterrupted, tmp_path
):
    quarter_landing, uninterrupted_warehouse = uninterrupted
    warehouse = tmp_path / "warehouse.duckdb"
    # The killed run cannot remove its temporary folders: they stay in the test's own.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")},
        **pipeline_env(quarter_landing, warehouse, as_of=AS_OF),
        "TMPDIR": str(scratch),
    }
    # Whatever the run started is gone before the rerun opens the warehouse.
    with running(
        [sys.executable, "-m", "dagster_project.cli", "run"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as run:
        # The write-ahead log appears when the first file's transaction writes.
        wal = warehouse.with_name(warehouse.name + ".wal")
        deadline = time.monotonic() + 300  # only for a run that never starts loading
        while not wal.exists():
            assert run.poll() is None, "the run ended before it loaded anything"
            assert time.monotonic() < deadline, "no write-ahead log within 300 s"
            time.sleep(0.05)
        time.sleep(1.0)  # into the middle of the load
        run.send_signal(signal.SIGKILL)
        run.wait()
    assert run.returncode == -signal.SIGKILL
    driftsstatus("run", env=pipeline_env(quarter_landing, warehouse, as_of=AS_OF))
    assert mart_rows(warehouse) == mart_rows(uninterrupted_warehouse)
