"""The service on its own: `driftsstatus serve` on a small landing folder, files dropped in,
and nobody calling anything. The landing sensor starts the load, the build follows, the
serving copy is swapped and the app in a real browser shows the new figures; a broken row
is rejected and counted; a failing blocking check fails its run, alerts, and leaves the app
on the last good data. The runs are read from the webserver's GraphQL API."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from playwright.sync_api import Browser

from tests.browser import chromium
from tests.dagster_ui import graphql
from tests.helpers import (
    REPO_ROOT,
    chat_webhook,
    land_conflicting_calls,
    only_these_settings,
    pipeline_env,
    query,
    serve_command,
)
from tests.processes import free_port, running, wait_until_healthy

RUNS = "{ runsOrError { ... on Runs { results { runId jobName status startTime } } } }"
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}
AS_OF = "2024-03-20T00:00:00+01:00"  # the small landing folder's data end in March 2024
CYCLE = 900  # seconds a load and its build may take on a busy machine
TIMEOUT_MS = 180_000
LATE_CHANGES = """change_id,area,environment,kind,deployed_at,summary
CHG-10,stoettesystemer,production,change,2024-03-05T10:00:00+01:00,Dropped in later
CHG-11,stoettesystemer,production,change,2024-03-06T25:00:00+01:00,Hour 25
"""


def _runs(ui: str) -> list[tuple[str, str]]:
    """(job, status) of every run, oldest first."""
    results = graphql(ui, RUNS)["runsOrError"]["results"]
    return [(r["jobName"], r["status"]) for r in sorted(results, key=lambda r: r["startTime"] or 0)]


def _wait_for_runs(ui: str, serve: subprocess.Popen, count: int) -> list[tuple[str, str]]:
    """The runs, once `count` of them exist and every one has finished."""
    deadline = time.monotonic() + CYCLE
    while True:
        runs = _runs(ui)
        if len(runs) >= count and all(status in FINISHED for _job, status in runs):
            return runs
        assert serve.poll() is None, f"serve exited with {serve.returncode}"
        assert time.monotonic() < deadline, f"runs after {CYCLE} s: {runs}"
        time.sleep(2)


def _march_counts(browser: Browser, app: str) -> str:
    """The March 2024 page's sentence on the support systems' changes, as a reader sees it."""
    page = browser.new_page()
    try:
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{app}/?maaned=2024-03")
        page.wait_for_selector("table.ds-sla")
        return page.get_by_text("Der har i perioden været gennemført").first.inner_text()
    finally:
        page.close()


def _wait_for(condition, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(1)


def test_ops_serve_loads_builds_and_serves_dropped_files_and_alerts_on_a_failed_build(
    tmp_path: Path,
):
    landing = shutil.copytree(Path(__file__).with_name("landing_small"), tmp_path / "landing")
    warehouse = tmp_path / "warehouse.duckdb"
    dagster_port, app_port = free_port(), free_port()
    with chat_webhook() as webhook:
        env = only_these_settings(
            pipeline_env(landing, warehouse, as_of=AS_OF)
            | {"DRIFTSSTATUS_SENSOR_INTERVAL": "5", "DRIFTSSTATUS_ALERT_WEBHOOK": webhook.url}
        )
        with (
            running(
                serve_command(dagster_port, app_port),
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ) as serve,  # fmt: skip
            chromium(TIMEOUT_MS) as browser,
        ):
            ui, app = f"http://127.0.0.1:{dagster_port}", f"http://127.0.0.1:{app_port}"
            wait_until_healthy(f"{ui}/server_info", serve)
            wait_until_healthy(f"{app}/_stcore/health", serve)

            # 1. The folder as found: the sensor loads it, and the build follows.
            assert _wait_for_runs(ui, serve, 2) == [
                ("load_landing", "SUCCESS"),
                ("build_all", "SUCCESS"),
            ]
            assert _march_counts(browser, app) == (
                "Der har i perioden været gennemført 1 ændring/rettelse på Produktionsmiljøet."
            )

            # 2. Files dropped in later: a changes file with one broken row, and hours of
            # calls sent again with other counts. The load takes both and counts the broken
            # row; a blocking check of the build fails, the alert goes out, and the app
            # keeps the last good data.
            (landing / "changes" / "late.csv").write_text(LATE_CHANGES, encoding="utf-8")
            land_conflicting_calls(landing)
            assert _wait_for_runs(ui, serve, 4)[2:] == [
                ("load_landing", "SUCCESS"),
                ("build_all", "FAILURE"),
            ]
            ((line, reason),) = query(
                warehouse,
                "select line_number, reason from audit.rejected_rows where file like '%late.csv'",
            )
            assert (line, reason) == (3, "deployed_at: not a timestamp '2024-03-06T25:00:00+01:00'")
            _wait_for(lambda: webhook.posts, "the failure alert")
            (alert,) = webhook.posts
            assert alert["text"].startswith("Driftsstatus Dagster run ")
            assert "(build_all) failed: blocking checks failed: " in alert["text"]
            assert alert["failed_checks"]
            assert all("stg_operations__service_calls" in c for c in alert["failed_checks"])
            assert _march_counts(browser, app) == (
                "Der har i perioden været gennemført 1 ændring/rettelse på Produktionsmiljøet."
            )
