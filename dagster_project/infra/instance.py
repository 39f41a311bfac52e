"""The persistent Dagster instance: one DAGSTER_HOME for `driftsstatus run`, the UI and the
daemon, so every run, materialization, check result and partition status is kept and shown.

Its `dagster.yaml` is written from the shipped `deploy/dagster.yaml` and the settings
(storage, retention): the settings stay the one place that decides, and a PostgreSQL URL
is referenced by its variable, never written to disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import yaml

from dagster_project.infra.storage_template import seed_storage
from dagster_project.settings import REPO_ROOT, Settings, environment

SHIPPED_CONFIG = REPO_ROOT / "deploy" / "dagster.yaml"
POSTGRES_URL_VARIABLE = "DRIFTSSTATUS_DAGSTER_POSTGRES_URL"
# The SQLite storages, and each one's database file in its base_dir (Dagster's names).
SQLITE_DATABASES = {
    "run_storage": "runs.db",
    "event_log_storage": "index.db",
    "schedule_storage": "schedules.db",
}
HEADER = (
    "# Written by driftsstatus from deploy/dagster.yaml and the settings, before every use:\n"
    "# edit that file (or the settings), not this copy.\n"
)
FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def instance_config(settings: Settings, home: Path | None = None) -> dict:
    """The shipped instance configuration with the settings' storage and retention, its
    SQLite files in `home` (default: the settings' DAGSTER_HOME)."""
    config = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    if settings.dagster_postgres_url:
        for storage in SQLITE_DATABASES:
            del config[storage]
        config["storage"] = {"postgres": {"postgres_url": {"env": POSTGRES_URL_VARIABLE}}}
    else:
        for storage in SQLITE_DATABASES:
            folder = config[storage]["config"]["base_dir"]
            base = (home or settings.dagster_home) / folder
            config[storage]["config"]["base_dir"] = str(base.absolute())
    days = settings.run_retention_days
    config["retention"]["schedule"]["purge_after_days"] = days
    sensor = config["retention"]["sensor"]["purge_after_days"]
    sensor["failure"] = sensor["success"] = days
    return config


def prepare_home(settings: Settings) -> Path:
    """DAGSTER_HOME with its dagster.yaml as the settings say (rewritten only on a change),
    and a new SQLite home's empty storage (infra/storage_template.py)."""
    home = settings.dagster_home
    config = _write_config(settings, home)
    if not settings.dagster_postgres_url:
        files = [
            Path(config[storage]["config"]["base_dir"]).relative_to(home.absolute()) / name
            for storage, name in SQLITE_DATABASES.items()
        ]
        seed_storage(home, files, lambda folder: _write_config(settings, folder))
    return home


def _write_config(settings: Settings, home: Path) -> dict:
    """`home`/dagster.yaml as the settings say, its SQLite files in `home`; the config."""
    home.mkdir(parents=True, exist_ok=True)
    config = instance_config(settings, home)
    text = HEADER + yaml.safe_dump(config, sort_keys=False)
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        partial = target.with_suffix(".yaml.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)  # a UI or daemon reading it never sees half a file
    return config


def instance_env(settings: Settings) -> dict[str, str]:
    """What a process opening the instance needs in its environment (this one, or the UI
    and daemon started by `serve`, and the runs they launch): DAGSTER_HOME, the storage
    URL as settings.py gives it (with its driver named), and how to log planned runs."""
    env = {
        "DAGSTER_HOME": str(prepare_home(settings)),
        # One "planned" event per asset and run, not one per day of its range: an event
        # costs milliseconds, and a load of a year of days would log 730 of them first.
        "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
        # A range run's materializations reach the event log as one batch per output
        # (written in one transaction per file on SQLite: infra/event_log.py); a batch ends with
        # its output, this only bounds it.
        "DAGSTER_EVENT_BATCH_SIZE": "10000",
    }
    if settings.dagster_postgres_url:
        env[POSTGRES_URL_VARIABLE] = settings.dagster_postgres_url
    return env


@contextmanager
def persistent_instance(settings: Settings) -> Iterator[dg.DagsterInstance]:
    """The instance in the settings' DAGSTER_HOME, for this process's runs."""
    env = instance_env(settings)
    with environment(**env), dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        yield instance


def create_storage(settings: Settings) -> None:
    """Create the instance's storage once, before the daemon, the webserver and their code
    servers open it together: on a new SQLite home they would race to stamp its schema
    version, and fail to load the code location."""
    with persistent_instance(settings) as instance:
        instance.get_run_records(limit=1)
        instance.all_instigator_state()


def prune_run_history(instance: dg.DagsterInstance, keep_days: int) -> int:
    """Delete finished runs (with their events) created more than `keep_days` ago; how many."""
    cutoff = datetime.now(UTC) - timedelta(days=keep_days)
    old = instance.get_run_records(filters=dg.RunsFilter(created_before=cutoff, statuses=FINISHED))
    for record in old:
        instance.delete_run(record.dagster_run.run_id)
    return len(old)
