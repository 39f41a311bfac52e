"""The landing folder rule (README "Where data lands"): a landing or source folder that is
missing or suddenly empty while the warehouse holds rows from it fails the run and keeps
every row and the serving copy; removing files on purpose is reported."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from dagster_project.settings import serving_copy_of
from tests.helpers import driftsstatus, pipeline_env, query

AS_OF = "2024-03-20T00:00:00+01:00"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(warehouse: Path) -> list[tuple]:
    return query(
        serving_copy_of(warehouse),
        "select (select count(*) from raw.probe_checks), (select count(*) from raw.changes), "
        "(select sum(changes) from marts.fct_monthly_operations)",
    )


def _failed_step(result, message: str) -> None:
    assert result.returncode == 1
    assert f"  FAILED step raw_tables: {message}" in result.stdout.splitlines(), result.stdout
    assert "Run FAILED." in result.stdout


def test_contract_a_missing_or_emptied_landing_folder_keeps_everything_until_said(tmp_path):
    """One warehouse through the three cases: an unmounted share, an emptied source folder
    (both fail and change nothing), and the same folder emptied on purpose (removed and
    reported)."""
    landing = shutil.copytree(Path(__file__).with_name("landing_small"), tmp_path / "landing")
    warehouse = tmp_path / "warehouse.duckdb"
    env = pipeline_env(landing, warehouse, as_of=AS_OF)
    driftsstatus("run", env=env)
    before, served = _counts(warehouse), _digest(serving_copy_of(warehouse))

    unmounted = tmp_path / "not-mounted"
    result = driftsstatus(
        "run", env={**env, "DRIFTSSTATUS_LANDING_DIR": str(unmounted)}, check=False
    )
    _failed_step(
        result,
        f"the landing folder {unmounted} is missing or not a folder (an unmounted share?); "
        "nothing was loaded or removed",
    )
    assert _digest(serving_copy_of(warehouse)) == served
    assert query(warehouse, "select count(*) from raw.probe_checks") == [(before[0][0],)]

    for path in (landing / "changes").iterdir():
        path.unlink()
    result = driftsstatus("run", env=env, check=False)
    _failed_step(
        result,
        "changes/ holds no loadable file while the warehouse holds 4 rows from 1 file(s) of "
        f"it (in {landing}); nothing was loaded or removed. To remove them on purpose: "
        "driftsstatus run --allow-empty changes",
    )
    assert _digest(serving_copy_of(warehouse)) == served
    assert _counts(warehouse) == before

    result = driftsstatus("run", "--allow-empty", "changes", env=env)
    assert "  changes          files 0/0/0  rows 0/0  removed 1 file(s), 4 rows" in (
        result.stdout.splitlines()
    ), result.stdout
    assert query(serving_copy_of(warehouse), "select count(*) from raw.changes") == [(0,)]
    assert query(
        serving_copy_of(warehouse), "select source, file, rows_removed from audit.removed_files"
    ) == [("changes", "changes/changes.csv", 4)]
