"""Failed runs are reported to the alert webhook; a lost alert never changes the outcome."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.resources import Alerting
from dagster_project.defs.sensors import sensors_for
from dagster_project.infra.lock import warehouse_lock
from tests.helpers import Webhook, chat_webhook, driftsstatus, pipeline_env


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    with chat_webhook() as hook:
        yield hook


@dataclass
class Run:
    result: subprocess.CompletedProcess
    posts: list[dict]  # what the webhook received during the run


@dataclass
class Runs:
    good: Run
    failing: Run
    env: dict[str, str]  # the runs' settings, with the webhook
    warehouse: Path


@pytest.fixture(scope="module")
def runs(webhook: Webhook, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """A good run on the small landing folder, then a run failing a blocking check."""
    root = tmp_path_factory.mktemp("alerts")
    landing = shutil.copytree(Path(__file__).with_name("landing_small"), root / "landing")
    warehouse = root / "warehouse.duckdb"
    env = {
        **pipeline_env(landing, warehouse, as_of="2024-03-20T00:00:00+01:00"),
        "DRIFTSSTATUS_ALERT_WEBHOOK": webhook.url,
    }
    good = run_collecting(webhook, env)
    # The same hour of calls sent twice: a blocking check on service calls fails.
    shutil.copy(landing / "service_calls" / "calls.csv", landing / "service_calls" / "resent.csv")
    return Runs(good, run_collecting(webhook, env), env, warehouse)


def run_collecting(webhook: Webhook, env: dict[str, str]) -> Run:
    before = len(webhook.posts)
    result = driftsstatus("run", env=env, check=False)
    return Run(result, webhook.posts[before:])


def test_ops_a_successful_run_posts_no_alert(runs):
    assert runs.good.result.returncode == 0, runs.good.result.stdout
    assert runs.good.posts == []


def test_ops_a_failed_run_posts_one_alert_naming_the_failed_check(runs):
    result, posts = runs.failing.result, runs.failing.posts
    assert result.returncode == 1
    failed = [
        line.strip().removeprefix("FAILED check ")
        for line in result.stdout.splitlines()
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
    assert alert["warehouse"] == str(runs.warehouse)
    assert datetime.fromisoformat(alert["at"]).utcoffset() == timedelta(0)


def test_ops_a_run_that_cannot_take_the_warehouse_lock_posts_an_alert_naming_the_holder(
    runs, webhook
):
    env = {**runs.env, "DRIFTSSTATUS_LOCK_TIMEOUT": "0"}
    before = len(webhook.posts)
    with warehouse_lock(runs.warehouse, 0, "driftsstatus publish --month 2024-01"):
        result = driftsstatus("run", env=env, check=False)
    assert result.returncode == 2
    (alert,) = webhook.posts[before:]
    assert alert["text"] == result.stderr.strip()
    assert f"locked by PID {os.getpid()} (driftsstatus publish --month 2024-01, " in alert["text"]
    assert alert["failed_checks"] == alert["failed_steps"] == []


def test_ops_an_undeliverable_alert_keeps_the_exit_code_and_warns(runs):
    with socket.socket() as closed:  # a port nobody listens on once the socket is closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {
        **runs.env,
        "DRIFTSSTATUS_ALERT_WEBHOOK": f"http://127.0.0.1:{port}/hooks/secret",
        "DRIFTSSTATUS_LOCK_TIMEOUT": "0",
    }
    # A run failing fast: it cannot take the lock this process holds.
    with warehouse_lock(runs.warehouse, 0, "a test holding the warehouse"):
        result = driftsstatus("run", env=env, check=False)
    assert result.returncode == 2
    first, warning = result.stderr.splitlines()
    assert "is locked by PID" in first
    assert warning.startswith(
        f"driftsstatus: warning: the failure alert could not be delivered to 127.0.0.1:{port}: "
    )
    assert "/hooks/secret" not in result.stderr


def test_ops_the_dagster_sensor_posts_failed_runs_of_the_ui(webhook):
    """Runs launched from the Dagster UI or a schedule are reported by the failure sensor."""

    @dg.asset
    def marts() -> None: ...

    @dg.asset_check(asset=marts, blocking=True)
    def marts_are_consistent() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False)

    job = dg.define_asset_job("build_all", selection=[marts])
    defs = dg.Definitions(assets=[marts], asset_checks=[marts_are_consistent], jobs=[job])
    (sensor,) = [s for s in sensors_for(60) if s.name == "alert_on_run_failure"]
    alerting = Alerting(webhook=webhook.url, warehouse="/srv/driftsstatus/warehouse.duckdb")
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
