"""The landing folder rule (README "Where data lands"): a landing or source folder that is
missing or suddenly empty while the warehouse holds rows from it fails the run and keeps
every row and the serving copy; removing files on purpose is reported."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dagster_project.settings import serving_copy_of
from tests.helpers import SMALL_AS_OF, driftsstatus, mart_rows, pipeline_env, query


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


def test_contract_a_missing_or_emptied_landing_folder_keeps_everything_until_said(
    small_site, tmp_path
):
    """One warehouse (the small run's, copied) through the three cases: an unmounted share,
    an emptied source folder (both fail and change nothing), and the same folder emptied on
    purpose (removed and reported)."""
    landing, warehouse = small_site
    env = pipeline_env(landing, warehouse, as_of=SMALL_AS_OF)
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


def test_r1_a_file_gone_from_the_folder_takes_its_months_with_it(small_site, small_run):
    """A probe file that opened the month spine a month earlier is loaded, then deleted: the
    next run builds the months its rows bore on (not every month since 2020) and leaves the
    marts exactly as the small run without it built them."""
    landing, warehouse = small_site
    env = pipeline_env(landing, warehouse, as_of=SMALL_AS_OF)
    early = landing / "probe_checks" / "early.csv"
    early.write_text(
        "checked_at,service_id,probe_id,status,response_ms\n"
        "2023-12-15T10:00:00+01:00,ko_app,p1,up,120\n"
    )
    first = driftsstatus("run", env=env)
    assert "Months built: 2023-12 .. 2024-03 (one run)" in first.stdout, first.stdout
    months = "select distinct month::varchar from marts.fct_monthly_availability order by 1"
    assert query(serving_copy_of(warehouse), months)[0] == ("2023-12-01",)

    early.unlink()
    again = driftsstatus("run", env=env)
    assert "Months built: 2023-12 .. 2024-03 (one run)" in again.stdout, again.stdout
    assert mart_rows(warehouse) == mart_rows(small_run[0])
