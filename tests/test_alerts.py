"""Failed runs are reported to the alert webhook; a lost alert never changes the outcome."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.resources import Alerting
from dagster_project.defs.sensors import sensors_for
from dagster_project.infra.lock import warehouse_lock
from dagster_project.report.run_status import run_status
from dagster_project.settings import failed_run_record_of, serving_copy_of
from tests.helpers import (
    LANDING_SMALL,
    SMALL_AS_OF,
    Webhook,
    chat_webhook,
    copy_warehouse,
    driftsstatus,
    land_conflicting_calls,
    pipeline_env,
)


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    with chat_webhook() as hook:
        yield hook


def _alert_runs(folder: Path, small_built: dict) -> dict:
    """A good run over a copy of the small run, then a run failing a blocking check, each
    with a webhook listening: their exit codes, output and what the webhook received."""
    landing = shutil.copytree(small_built["landing"], folder / "landing")
    warehouse = copy_warehouse(Path(small_built["warehouse"]), folder / "warehouse.duckdb")
    runs = {"warehouse": str(warehouse)}
    with chat_webhook() as hook:
        env = {
            **pipeline_env(landing, warehouse, as_of=SMALL_AS_OF),
            "DRIFTSSTATUS_ALERT_WEBHOOK": hook.url,
        }
        for name in ("good", "failing"):
            if name == "failing":  # hours of calls sent again, other counts: a check fails
                land_conflicting_calls(landing)
            before = len(hook.posts)
            result = driftsstatus("run", env=env, check=False)
            status = run_status(serving_copy_of(warehouse), failed_run_record_of(warehouse))
            runs[name] = {
                "returncode": result.returncode,
                "stdout": result.stdout,
                "posts": hook.posts[before:],
                "status": {
                    "made_at": status.made_at.isoformat(),
                    "failed_since": status.failed_since,
                    "failure": status.failure,
                },
            }
    return runs


@pytest.fixture(scope="module")
def runs(built_once, small_built: dict) -> dict:
    return built_once("alerts", lambda folder: _alert_runs(folder, small_built))


@pytest.fixture
def locked_env(webhook: Webhook, tmp_path: Path) -> dict[str, str]:
    """Settings of a run that cannot wait for the warehouse lock, alerting to the webhook."""
    return {
        **pipeline_env(LANDING_SMALL, tmp_path / "warehouse.duckdb"),
        "DRIFTSSTATUS_ALERT_WEBHOOK": webhook.url,
        "DRIFTSSTATUS_LOCK_TIMEOUT": "0",
    }


def test_ops_a_successful_run_posts_no_alert(runs):
    assert runs["good"]["returncode"] == 0, runs["good"]["stdout"]
    assert runs["good"]["posts"] == []


def test_ops_a_failed_run_posts_one_alert_naming_the_failed_check(runs):
    failing, posts = runs["failing"], runs["failing"]["posts"]
    assert failing["returncode"] == 1
    failed = [
        line.strip().removeprefix("FAILED check ")
        for line in failing["stdout"].splitlines()
        if "FAILED check" in line
    ]
    assert failed and all("stg_operations__service_calls" in check for check in failed)
    assert len(posts) == 1
    (alert,) = posts
    assert set(alert) == {"text", "run", "failed_checks", "failed_steps", "warehouse", "at"}
    assert alert["failed_checks"] == failed
    assert all(check in alert["text"] for check in failed)
    assert alert["text"].startswith("driftsstatus run failed: blocking checks failed: ")
    assert "\n" not in alert["text"]
    assert alert["run"] == "driftsstatus run"
    assert alert["warehouse"] == runs["warehouse"]
    assert datetime.fromisoformat(alert["at"]).utcoffset() == timedelta(0)


def test_ops_the_app_learns_of_a_failed_run_and_keeps_the_last_good_figures(runs):
    """A failed run leaves the serving copy as the good run made it, and records its alert
    beside the warehouse: the app says the figures are older than the last run."""
    good, failing = runs["good"]["status"], runs["failing"]["status"]
    assert not good["failed_since"]
    assert failing["made_at"] == good["made_at"]
    assert failing["failed_since"]
    (alert,) = runs["failing"]["posts"]
    assert failing["failure"] == alert["text"]
    record = failed_run_record_of(Path(runs["warehouse"]))
    assert json.loads(record.read_text(encoding="utf-8")) == alert


def test_ops_a_run_that_cannot_take_the_warehouse_lock_posts_an_alert_naming_the_holder(
    locked_env, webhook
):
    before = len(webhook.posts)
    warehouse = Path(locked_env["DRIFTSSTATUS_WAREHOUSE"])
    with warehouse_lock(warehouse, 0, "driftsstatus publish --month 2024-01"):
        result = driftsstatus("run", env=locked_env, check=False)
    assert result.returncode == 2
    (alert,) = webhook.posts[before:]
    assert alert["text"] == result.stderr.strip()
    assert f"locked by PID {os.getpid()} (driftsstatus publish --month 2024-01, " in alert["text"]
    assert alert["failed_checks"] == alert["failed_steps"] == []
    # Not a failed run for the app: the run holding the lock reports its own.
    assert not failed_run_record_of(warehouse).exists()


def test_ops_an_undeliverable_alert_keeps_the_exit_code_and_warns(locked_env):
    with socket.socket() as closed:  # a port nobody listens on once the socket is closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {**locked_env, "DRIFTSSTATUS_ALERT_WEBHOOK": f"http://127.0.0.1:{port}/hooks/secret"}
    # A run failing fast: it cannot take the lock this process holds.
    with warehouse_lock(Path(env["DRIFTSSTATUS_WAREHOUSE"]), 0, "a test holding the warehouse"):
        result = driftsstatus("run", env=env, check=False)
    assert result.returncode == 2
    first, warning = result.stderr.splitlines()
    assert "is locked by PID" in first
    assert warning.startswith(
        f"driftsstatus: warning: the failure alert could not be delivered to 127.0.0.1:{port}: "
    )
    assert "/hooks/secret" not in result.stderr


def test_ops_the_dagster_sensor_posts_and_records_failed_runs_of_the_ui(webhook, tmp_path):
    """Runs launched from the Dagster UI or a schedule are reported by the failure sensor,
    and recorded for the app beside the warehouse."""

    @dg.asset
    def marts() -> None: ...

    @dg.asset_check(asset=marts, blocking=True)
    def marts_are_consistent() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False)

    job = dg.define_asset_job("build_all", selection=[marts])
    defs = dg.Definitions(assets=[marts], asset_checks=[marts_are_consistent], jobs=[job])
    (sensor,) = [s for s in sensors_for(60) if s.name == "alert_on_run_failure"]
    warehouse = tmp_path / "warehouse.duckdb"
    alerting = Alerting(webhook=webhook.url, warehouse=str(warehouse))
    before = len(webhook.posts)
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("build_all").execute_in_process(
            instance=instance, raise_on_error=False
        )
        context = dg.build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"alerting": alerting},
        ).for_run_failure()
        sensor(context)
    (alert,) = webhook.posts[before:]
    assert alert["run"] == result.run_id
    assert alert["failed_checks"] == ["marts:marts_are_consistent"]
    assert alert["failed_steps"] == ["marts_marts_are_consistent"]
    assert "marts:marts_are_consistent" in alert["text"]
    assert json.loads(failed_run_record_of(warehouse).read_text(encoding="utf-8")) == alert
