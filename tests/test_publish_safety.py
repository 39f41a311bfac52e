"""Nothing lost: publish freezes only checked figures, killed runs leave nothing behind,
and readers never wait for a writer."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project.infra.dbt_command import run_dbt
from dagster_project.infra.lock import warehouse_lock
from dagster_project.publish.reports import dbt_events, failed_tests
from dagster_project.publish.scratch import LOCK_NAME, PREFIX
from dagster_project.quality.validate import validate_file
from dagster_project.settings import load_settings, serving_copy_of
from tests.helpers import (
    REPO_ROOT,
    SMALL_AS_OF,
    copy_warehouse,
    driftsstatus,
    land_conflicting_calls,
    pipeline_env,
    query,
)

AS_OF = SMALL_AS_OF
AS_OF_UTC = "2024-03-19T23:00:00+00:00"  # as a publication keeps it


@dataclass(frozen=True)
class Site:
    """A landing folder, its warehouse (and serving copy) and the settings that name them."""

    landing: Path
    warehouse: Path
    env: dict[str, str]

    def copy_to(self, folder: Path) -> Site:
        folder.mkdir(parents=True)
        shutil.copytree(self.landing, folder / "landing")
        copy_warehouse(self.warehouse, folder / self.warehouse.name, serving=True)
        env = {**self.env, **pipeline_env(folder / "landing", folder / self.warehouse.name)}
        return Site(folder / "landing", folder / self.warehouse.name, env)


def _small_copy(small_built: dict, root: Path) -> Site:
    """A copy of the small run in `root`, as of 20 March 2024 (February and March 2024)."""
    built = Site(Path(small_built["landing"]), Path(small_built["warehouse"]), {})
    site = built.copy_to(root / "site")
    # Scratch folders of the copy's commands stay in `root`.
    env = {**site.env, "DRIFTSSTATUS_AS_OF": AS_OF, "TMPDIR": str(root)}
    return Site(site.landing, site.warehouse, env)


@pytest.fixture(scope="module")
def small(small_built: dict, tmp_path_factory: pytest.TempPathFactory) -> Site:
    return _small_copy(small_built, tmp_path_factory.mktemp("small"))


def _published(folder: Path, small_built: dict) -> dict:
    site = _small_copy(small_built, folder)
    result = _publish(site, "2024-02", check=True)
    assert result.stdout.startswith(f"Published 2024-02#1 as of {AS_OF_UTC}")
    return {"landing": str(site.landing), "warehouse": str(site.warehouse), "env": site.env}


@pytest.fixture(scope="module")
def published(built_once, small_built: dict) -> Site:
    """A copy with February 2024 published as of AS_OF."""
    built = built_once("published_small", lambda folder: _published(folder, small_built))
    return Site(Path(built["landing"]), Path(built["warehouse"]), built["env"])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _publish(site: Site, month: str, check: bool = False):
    return driftsstatus("publish", "--month", month, "--as-of", AS_OF, env=site.env, check=check)


def _published_count(warehouse: Path) -> int:
    (has_schema,) = query(
        warehouse, "select count(*) from duckdb_tables() where schema_name = 'published'"
    )[0]
    return query(warehouse, "select count(*) from published.reports")[0][0] if has_schema else 0


# -- R14: publish freezes only figures that passed every blocking check of its build --


def test_r14_publish_freezes_figures_whose_failed_checks_are_only_warnings(published):
    # The small sample has warnings (probe coverage, a late window): they never block.
    assert _published_count(published.warehouse) == 1
    frozen = driftsstatus("report", "--month", "2024-02", "--as-published", env=published.env)
    recomputed = driftsstatus("report", "--month", "2024-02", "--recompute", env=published.env)
    assert recomputed.stdout == frozen.stdout


def test_r14_publish_refuses_figures_a_blocking_dbt_test_rejected(small, tmp_path):
    site = small.copy_to(tmp_path / "site")
    land_conflicting_calls(site.landing)
    assert driftsstatus("run", env=site.env, check=False).returncode == 1
    serving = _sha(serving_copy_of(site.warehouse))  # the run kept the last good copy
    result = _publish(site, "2024-02")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"driftsstatus publish refused: 1 blocking check failed in the build as of {AS_OF}: "
        "row_rules_stg_operations__service_calls (2 failing rows)\n"
    )
    assert _published_count(site.warehouse) == 0
    assert _sha(serving_copy_of(site.warehouse)) == serving


def test_r14_a_blocking_test_that_cannot_run_is_named_with_dbts_own_message(small, tmp_path):
    """A publication reads its tests' results from dbt's JSON log (no JSON artifacts): a
    test that errors is named with dbt's message, as one that fails with its rows."""
    copy = copy_warehouse(small.warehouse, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table marts.fct_monthly_penalties")
    test = "row_rules_fct_monthly_penalties"
    env = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(copy)}).dbt_env()
    args = ["test", "--log-format", "json", "--no-write-json", "--select", test]
    result = run_dbt(args, env, tmp_path / "target", None)
    assert result.returncode == 1
    [failed] = failed_tests(dbt_events(result.stdout))
    assert failed.startswith(
        f"{test} (error: Runtime Error in test {test} (models/marts/_marts__models.yml) "
        "Catalog Error: Table with name fct_monthly_penalties does not exist!"
    )
    assert not (tmp_path / "target" / "run_results.json").exists()


def test_r14_a_publication_is_served_with_the_marts_of_the_last_good_run(small, tmp_path):
    """Publishing changes the serving copy's published reports only: marts the warehouse
    holds that the app does not serve (as a failed run leaves them) stay unserved."""
    site = small.copy_to(tmp_path / "site")
    serving = serving_copy_of(site.warehouse)
    operations = "select area, month, changes from marts.fct_monthly_operations order by all"
    served = query(serving, operations)
    assert served == query(site.warehouse, operations) and served
    with duckdb.connect(str(site.warehouse)) as con:
        con.execute("update marts.fct_monthly_operations set changes = changes + 100")
    _publish(site, "2024-02", check=True)
    assert query(serving, "select report_id, as_of from published.reports") == query(
        site.warehouse, "select report_id, as_of from published.reports"
    )
    assert query(serving, "select count(*) from published.cells") == query(
        site.warehouse, "select count(*) from published.cells"
    )
    assert query(serving, operations) == served
    # The app shows the publication (its report history reads the serving copy).
    frozen = driftsstatus("report", "--month", "2024-02", "--as-published", env=site.env)
    title = "Driftsstatus\n\nDen fælleskommunale infrastruktur\n\nFebruar 2024\n"
    assert frozen.stdout.startswith(title)


def test_r14_publish_refuses_rows_the_loader_lost_and_rows_failing_their_expectations(
    small, tmp_path
):
    site = small.copy_to(tmp_path / "site")
    with duckdb.connect(str(site.warehouse)) as con:
        # A loaded row gone from its raw table, and a row that slipped past the loader.
        con.execute("delete from raw.changes where _line = 3")
        con.execute("update raw.service_calls set failed_calls = calls + 1 where _line = 2")
        validate_file(con, "service_calls", "service_calls/calls.csv")
    result = _publish(site, "2024-02")
    assert result.returncode == 2
    assert result.stderr == (
        f"driftsstatus publish refused: 2 blocking checks failed in the build as of {AS_OF}: "
        "raw/changes:every_row_accounted_for "
        "(changes/changes.csv: 4 rows read, 3 loaded, 0 rejected), "
        "raw/service_calls:gx_suite (service_calls/calls.csv: "
        "expect_column_pair_values_a_to_be_greater_than_b on calls,failed_calls)\n"
    )
    assert _published_count(site.warehouse) == 0


def test_r14_recompute_refuses_data_that_no_longer_passes_its_checks(published, tmp_path):
    site = published.copy_to(tmp_path / "site")
    with duckdb.connect(str(serving_copy_of(site.warehouse))) as con:
        con.execute("delete from raw.changes where _line = 3")
    result = driftsstatus("report", "--month", "2024-02", "--recompute", env=site.env, check=False)
    assert result.returncode == 2
    assert result.stderr == (
        "driftsstatus report: cannot recompute 2024-02#1: 1 blocking check failed in the "
        f"build as of {AS_OF_UTC}: "
        "raw/changes:every_row_accounted_for "
        "(changes/changes.csv: 4 rows read, 3 loaded, 0 rejected); "
        "its figures as published: --as-published\n"
    )
    assert driftsstatus("report", "--month", "2024-02", "--as-published", env=site.env).stdout


# -- Leftovers of killed runs are cleaned on the next start --

# Holds a scratch folder's lock as a live `report --recompute` does, until stdin closes.
HOLD_SCRATCH = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def live_scratch(tmp_path: Path) -> Iterator[Path]:
    """A scratch folder in use by another live process."""
    folder = tmp_path / "tmp" / f"{PREFIX}in-use"
    folder.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRATCH, str(folder / LOCK_NAME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        yield folder
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def _killed_recompute(site: Site) -> Path:
    """A `report --recompute` SIGKILLed (with its dbt) while its scratch copy exists."""
    scratch_parent = Path(site.env["TMPDIR"])
    before = set(scratch_parent.glob(f"{PREFIX}*"))
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster_project.cli", "report", "--month", "2024-02",
         "--recompute"],
        cwd=REPO_ROOT, env={**os.environ, **site.env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300  # generous: a busy machine starts slowly
        while not (new := set(scratch_parent.glob(f"{PREFIX}*/warehouse.duckdb")) - before):
            assert process.poll() is None and time.monotonic() < deadline, "no scratch copy"
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    (copy,) = new
    return copy.parent


def test_ops_publish_removes_what_killed_runs_left_and_keeps_a_live_scratch_folder(
    published, live_scratch, tmp_path
):
    site = published.copy_to(tmp_path / "site")
    site = Site(site.landing, site.warehouse, {**site.env, "TMPDIR": str(live_scratch.parent)})
    killed = _killed_recompute(site)
    assert (killed / "warehouse.duckdb").exists()  # SIGKILL: nothing cleaned it up
    old = live_scratch.parent / f"{PREFIX}from-an-older-version"
    old.mkdir()
    (old / "warehouse.duckdb").write_bytes(b"a full copy")
    os.utime(old, (time.time() - 120, time.time() - 120))  # older than a minute, no lock
    just_made = live_scratch.parent / f"{PREFIX}just-made"  # not locked yet: kept
    just_made.mkdir()
    serving = serving_copy_of(site.warehouse)
    stale = serving.with_name(f".{serving.name}.k1ll3d.tmp")
    stale.write_bytes(b"half a copy")
    unrelated = serving.with_name(".notes.tmp")
    unrelated.write_text("not ours\n")

    _publish(site, "2024-03", check=True)

    assert sorted(p.name for p in live_scratch.parent.iterdir()) == [
        f"{PREFIX}in-use",
        f"{PREFIX}just-made",
    ]
    assert (live_scratch / LOCK_NAME).exists()
    assert not stale.exists()
    assert unrelated.exists()


# -- Read-only commands never wait on the writer lock --


def test_ops_readers_answer_at_once_while_a_writer_holds_the_warehouse(published, tmp_path):
    published = published.copy_to(tmp_path / "site")  # its own lock, whoever shares the fixture
    # A reader that waited for the lock would give up after 1 s and exit 2.
    env = {**published.env, "DRIFTSSTATUS_LOCK_TIMEOUT": "1"}
    shown = driftsstatus("report", "--month", "2024-02", env=env).stdout
    frozen = driftsstatus("report", "--month", "2024-02", "--as-published", env=env).stdout
    with warehouse_lock(published.warehouse, 0, "driftsstatus run"):
        listed = driftsstatus("publish", "--list", env=env, check=False)
        report = driftsstatus("report", "--month", "2024-02", env=env, check=False)
        as_published = driftsstatus(
            "report", "--month", "2024-02", "--as-published", env=env, check=False
        )
    assert (listed.returncode, listed.stderr) == (0, "")
    assert listed.stdout.startswith(f"2024-02#1  as of {AS_OF_UTC}  published ")
    assert len(listed.stdout.splitlines()) == 1
    assert (report.returncode, report.stdout) == (0, shown)
    assert (as_published.returncode, as_published.stdout) == (0, frozen)
