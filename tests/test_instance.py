"""The persistent Dagster instance: `driftsstatus run` records its runs where the UI and
the daemon look (SQLite next to the warehouse, or a real PostgreSQL server), and old
finished runs are pruned."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import dagster as dg
import psycopg2
import sqlalchemy
import yaml
from dagster._core.utils import make_new_run_id

from dagster_project.defs.partitions import monthly
from dagster_project.infra import storage_template
from dagster_project.infra.instance import (
    SHIPPED_CONFIG,
    SQLITE_DATABASES,
    instance_config,
    instance_env,
    persistent_instance,
    prune_run_history,
)
from dagster_project.settings import REPO_ROOT, load_settings
from tests.dagster_ui import graphql
from tests.helpers import LANDING_SMALL, SMALL_AS_OF, driftsstatus, pipeline_env
from tests.postgres import postgres_server
from tests.processes import free_port, running, wait_until_healthy

AVAILABILITY = dg.AssetKey(["marts", "fct_monthly_availability"])
UI_QUERY = """{
  runsOrError { ... on Runs { results { jobName status } } }
  assetOrError(assetKey: {path: ["marts", "fct_monthly_availability"]}) {
    ... on Asset { assetMaterializations { partition } } }
}"""


def _checks_passed(run_output: str) -> int:
    return int(re.search(r"Checks passed: (\d+)", run_output).group(1))


def test_ops_cli_runs_are_recorded_in_the_dagster_home_next_to_the_warehouse(sample_run):
    warehouse, _env, output = sample_run
    home = warehouse.parent / "dagster"
    assert (home / "history" / "runs.db").is_file()  # SQLite, in DAGSTER_HOME
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = {r.dagster_run.job_name: r.dagster_run for r in instance.get_run_records()}
        assert sorted(runs) == ["build_all", "load_landing"]
        assert {run.status for run in runs.values()} == {dg.DagsterRunStatus.SUCCESS}
        # Every month of the build, a materialized partition, as the UI shows them.
        tags = runs["build_all"].tags
        built = dg.PartitionKeyRange(
            tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]
        )
        assert built.start == "2023-02-01"
        assert instance.get_materialized_partitions(AVAILABILITY) == set(
            monthly.get_partition_keys_in_range(built)
        )
        evaluations = instance.get_records_for_run(
            runs["build_all"].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
        loads = instance.get_records_for_run(
            runs["load_landing"].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
        # Every check result the command summarised is in the instance.
        passed = [
            r
            for r in [*evaluations, *loads]
            if r.event_log_entry.dagster_event.event_specific_data.passed
        ]
        assert len(passed) == _checks_passed(output)


def test_ops_a_postgres_instance_holds_the_cli_run_and_the_ui_lists_it(tmp_path: Path):
    with postgres_server() as postgres_url:
        landing = shutil.copytree(LANDING_SMALL, tmp_path / "landing")
        env = pipeline_env(landing, tmp_path / "warehouse.duckdb", as_of=SMALL_AS_OF)
        env["DRIFTSSTATUS_DAGSTER_POSTGRES_URL"] = postgres_url
        driftsstatus("run", "--months", "2024-02..2024-02", env=env)

        home = tmp_path / "dagster"
        config = (home / "dagster.yaml").read_text(encoding="utf-8")
        assert yaml.safe_load(config)["storage"] == {
            "postgres": {"postgres_url": {"env": "DRIFTSSTATUS_DAGSTER_POSTGRES_URL"}}
        }
        assert postgres_url not in config  # the URL (and a password in it) stays off disk
        assert not (home / "history" / "runs.db").exists()
        with psycopg2.connect(postgres_url) as connection, connection.cursor() as cursor:
            cursor.execute("select pipeline_name, status from runs order by pipeline_name")
            assert cursor.fetchall() == [("build_all", "SUCCESS"), ("load_landing", "SUCCESS")]
        connection.close()

        # The webserver of that instance lists the runs and the month they built.
        port = free_port()
        ui_env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
        ui_env |= env | instance_env(load_settings(env))  # as `driftsstatus serve` gives it
        webserver = Path(sys.executable).with_name("dagster-webserver")
        with running(
            [str(webserver), "-h", "127.0.0.1", "-p", str(port),
             "-m", "dagster_project.definitions"],
            cwd=REPO_ROOT, env=ui_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ) as server:  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(f"{url}/server_info", server)
            shown = graphql(url, UI_QUERY)
    runs = sorted((r["jobName"], r["status"]) for r in shown["runsOrError"]["results"])
    assert runs == [("build_all", "SUCCESS"), ("load_landing", "SUCCESS")]
    partitions = {m["partition"] for m in shown["assetOrError"]["assetMaterializations"]}
    assert partitions == {"2024-02-01"}


@dg.op
def _noop() -> None:
    return None


@dg.job
def _tiny() -> None:
    _noop()


def test_ops_finished_runs_past_the_retention_are_pruned_and_unfinished_ones_kept(
    tmp_path: Path,
):
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "warehouse.duckdb")})
    with persistent_instance(settings) as instance:
        finished = [_tiny.execute_in_process(instance=instance).run_id for _ in range(2)]
        running_now = instance.create_run_for_job(_tiny, status=dg.DagsterRunStatus.STARTED).run_id
        assert prune_run_history(instance, keep_days=1) == 0
        assert prune_run_history(instance, keep_days=0) == 2
        assert [r.dagster_run.run_id for r in instance.get_run_records()] == [running_now]
        assert all(instance.get_run_by_id(run_id) is None for run_id in finished)
    assert (tmp_path / "dagster" / "dagster.yaml").is_file()


def _schema(database: Path) -> list[tuple]:
    """A SQLite database's tables and indexes as created, and its alembic revision."""
    with closing(sqlite3.connect(database)) as connection:
        created = connection.execute(
            "select type, name, sql from sqlite_master where name not like 'sqlite_%' order by 2"
        ).fetchall()
        return created + connection.execute("select * from alembic_version").fetchall()


def test_ops_a_new_home_starts_from_a_copy_of_an_empty_storage_and_keeps_what_it_has(
    tmp_path: Path,
):
    """A new SQLite home's databases are copies of a template made once per Dagster version
    (infra/storage_template.py): the schema Dagster itself creates, and a database a home
    already has is never replaced."""
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "a" / "warehouse.duckdb")})
    with persistent_instance(settings) as instance:
        run_id = _tiny.execute_in_process(instance=instance).run_id
    # Dagster's own creation, in a home written from the same configuration.
    own = tmp_path / "own"
    own.mkdir()
    config = instance_config(settings, own)
    (own / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    with dg.DagsterInstance.from_config(str(own)) as instance:
        instance.get_run_records(limit=1)
        instance.all_instigator_state()
    home = settings.dagster_home
    for storage, name in SQLITE_DATABASES.items():
        relative = Path(yaml.safe_load(SHIPPED_CONFIG.read_text())[storage]["config"]["base_dir"])
        assert _schema(home / relative / name) == _schema(own / relative / name), storage
    # A home missing one database gets that one; the run it recorded stays.
    (home / "schedules" / "schedules.db").unlink()
    with persistent_instance(settings) as instance:
        assert [r.dagster_run.run_id for r in instance.get_run_records()] == [run_id]
        assert instance.all_instigator_state() == []
    assert (home / "schedules" / "schedules.db").is_file()
    assert not [p.name for p in home.rglob(".*")]  # no copy left half-way


def test_ops_a_home_where_no_template_can_be_written_is_made_by_dagster(tmp_path, monkeypatch):
    """A read-only installation (here: the templates' folder under a file, which root
    cannot write either) still runs: Dagster creates the new home's storage itself."""
    (tmp_path / "a_file").write_text("", encoding="utf-8")
    monkeypatch.setattr(storage_template, "TEMPLATES", tmp_path / "a_file" / "templates")
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "warehouse.duckdb")})
    with persistent_instance(settings) as instance:
        run_id = _tiny.execute_in_process(instance=instance).run_id
        assert [r.dagster_run.run_id for r in instance.get_run_records()] == [run_id]


def test_ops_a_template_missing_a_database_leaves_that_one_to_dagster(tmp_path, monkeypatch):
    monkeypatch.setattr(storage_template, "TEMPLATES", tmp_path / "templates")
    first = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "a" / "warehouse.duckdb")})
    with persistent_instance(first):
        pass
    [template] = (tmp_path / "templates").iterdir()
    (template / "history" / "runs.db").unlink()
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "b" / "warehouse.duckdb")})
    with persistent_instance(settings) as instance:
        run_id = _tiny.execute_in_process(instance=instance).run_id
        assert [r.dagster_run.run_id for r in instance.get_run_records()] == [run_id]
    home = settings.dagster_home
    assert _schema(home / "history" / "runs.db") == _schema(
        first.dagster_home / "history" / "runs.db"
    )


_days = dg.DailyPartitionsDefinition(start_date="2024-01-01")


@dg.asset(partitions_def=_days, backfill_policy=dg.BackfillPolicy.single_run())
def _daily_asset() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 1})


def test_ops_a_range_runs_materializations_are_stored_in_batches_one_per_day(tmp_path: Path):
    """A run over the 366 days of 2024 records 366 materializations, each with its day,
    through the event log that writes them in one transaction (infra/event_log.py)."""
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "warehouse.duckdb")})
    job = dg.Definitions(
        assets=[_daily_asset], jobs=[dg.define_asset_job("days", [_daily_asset])]
    ).resolve_job_def("days")
    with persistent_instance(settings) as instance:
        assert type(instance.event_log_storage).__name__ == "BatchedSqliteEventLogStorage"
        result = job.execute_in_process(
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": "2024-01-01",
                "dagster/asset_partition_range_end": "2024-12-31",
            },
        )
        assert result.success
        stored = instance.get_records_for_run(
            result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=1000
        ).records
        assert len(stored) == 366
        days = instance.get_materialized_partitions(_daily_asset.key)
        assert days == set(
            _days.get_partition_keys_in_range(dg.PartitionKeyRange("2024-01-01", "2024-12-31"))
        )
        latest = instance.get_latest_materialization_event(_daily_asset.key)
        assert latest.asset_materialization.partition == "2024-12-31"
        assert latest.asset_materialization.metadata["rows"].value == 1
        # The asset's row of the index names the run and its newest materialization, which
        # the event log wrote once for the batch (the last of 366).
        [record] = instance.get_asset_records([_daily_asset.key])
        newest = instance.fetch_materializations(_daily_asset.key, limit=1).records[0]
        assert record.asset_entry.last_run_id == result.run_id
        assert record.asset_entry.last_materialization_record.storage_id == newest.storage_id
        assert newest.asset_materialization.partition == "2024-12-31"


@dg.asset(
    partitions_def=_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    code_version="1",  # its materializations carry a data version tag, which is indexed
    check_specs=[dg.AssetCheckSpec("counted", asset="_versioned_days")],
)
def _versioned_days():
    yield dg.MaterializeResult(metadata={"rows": 2})
    yield dg.AssetCheckResult(check_name="counted", passed=True)


def _range_read_back(instance: dg.DagsterInstance, run_id: str) -> tuple:
    """What a user of the instance reads back of a range run: its events in order with
    their partitions, the asset's materialized days, its latest materialization, the
    tags indexed for it and its row of the asset index."""
    key = _versioned_days.key
    events = [
        (r.event_log_entry.dagster_event_type, r.event_log_entry.dagster_event.partition)
        for r in instance.get_records_for_run(run_id, limit=1000).records
        if r.event_log_entry.is_dagster_event
    ]
    latest = instance.get_latest_materialization_event(key)
    [record] = instance.get_asset_records([key])
    newest = instance.fetch_materializations(key, limit=1).records[0]
    march = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=["2024-03-15"]), limit=5
    ).records
    return (
        events,
        instance.get_materialized_partitions(key),
        (latest.run_id == run_id, latest.asset_materialization.partition),
        latest.asset_materialization.metadata,
        sorted(tuple(sorted(tags.items())) for tags in instance.get_event_tags_for_asset(key)),
        record.asset_entry.last_run_id == run_id,
        record.asset_entry.last_materialization_record.storage_id == newest.storage_id,
        [r.asset_materialization.partition for r in march],
    )


def test_ops_a_range_run_reads_back_as_from_dagsters_own_storage(tmp_path):
    """The 91 day materializations of a range run are written as multi-row inserts
    (infra/event_log.py): what the instance reads back (events and their days, the
    materialized days, the latest, the data version tags, the asset index) is exactly
    what Dagster's stock SQLite storage gives for the same run."""
    read_back = _batched_and_stock(
        tmp_path,
        _versioned_days,
        _range_read_back,
        tags={
            "dagster/asset_partition_range_start": "2024-01-01",
            "dagster/asset_partition_range_end": "2024-03-31",
        },
    )
    assert read_back[0] == read_back[1]
    events, days, latest, metadata, tags, *index, march = read_back[0]
    kinds = [kind for kind, _ in events]
    assert kinds.count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 91
    assert len(days) == 91
    assert latest == (True, "2024-03-31")
    assert metadata["rows"].value == 2
    assert len(tags) == 91 and all(dict(t).get("dagster/data_version") for t in tags)
    assert index == [True, True]
    assert march == ["2024-03-15"]


@dg.asset(
    check_specs=[
        dg.AssetCheckSpec("positive", asset="_checked"),
        dg.AssetCheckSpec("small", asset="_checked"),
    ]
)
def _checked():
    yield dg.MaterializeResult(metadata={"rows": 3})
    yield dg.AssetCheckResult(check_name="positive", passed=True)
    yield dg.AssetCheckResult(check_name="small", passed=False, metadata={"failures": 1})


def _stored(instance: dg.DagsterInstance, run_id: str) -> tuple:
    """What a user of the instance reads back of a run: its events in order, the check
    executions with their status, the asset's latest materialization."""
    events = [
        (r.event_log_entry.dagster_event_type, r.event_log_entry.step_key)
        for r in instance.get_records_for_run(run_id, limit=1000).records
        if r.event_log_entry.is_dagster_event
    ]
    executions = {
        name: [
            (e.run_id == run_id, e.status.value)
            for e in instance.event_log_storage.get_asset_check_execution_history(
                dg.AssetCheckKey(_checked.key, name), limit=10
            )
        ]
        for name in ("positive", "small")
    }
    latest = instance.get_latest_materialization_event(_checked.key)
    return events, executions, latest.run_id == run_id, latest.asset_materialization.metadata


def test_ops_a_runs_planned_events_batch_stores_what_dagsters_own_storage_stores(tmp_path):
    """The planned materialization and checks of a run come as one batch, mixed, which
    infra/event_log.py writes in one transaction per file: what the instance reads back
    (events, check executions and their status, the latest materialization) is exactly
    what Dagster's stock SQLite storage gives for the same run."""
    read_back = _batched_and_stock(tmp_path, _checked, _stored)
    assert read_back[0] == read_back[1]
    events, executions, _, metadata = read_back[0]
    assert dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED in {kind for kind, _ in events}
    assert executions == {"positive": [(True, "SUCCEEDED")], "small": [(True, "FAILED")]}
    assert metadata["rows"].value == 3


def test_ops_the_event_log_asks_again_for_a_table_it_did_not_find(tmp_path):
    """It remembers that a table of the asset index is there (Dagster asks before every
    asset event); one that was not is looked for again: a migration may add it."""
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "warehouse.duckdb")})
    with persistent_instance(settings) as instance:
        storage = instance.event_log_storage
        assert storage.has_table("asset_event_tags")
        assert not storage.has_table("added_later")
        with storage.index_connection() as connection:
            connection.execute(sqlalchemy.text("create table added_later (x integer)"))
        assert storage.has_table("added_later")


def _batched_and_stock(tmp_path: Path, asset, read_back, **run) -> list:
    """`read_back(instance, run_id)` of a run of the asset's job on the project's instance
    (infra/event_log.py's storage) and on one with Dagster's stock SQLite storage."""
    job = dg.Definitions(
        assets=[asset], jobs=[dg.define_asset_job("compared", [asset])]
    ).resolve_job_def("compared")
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "warehouse.duckdb")})
    read = []
    with (
        persistent_instance(settings) as batched,
        dg.DagsterInstance.local_temp(_made(tmp_path / "stock")) as stock,
    ):
        assert type(batched.event_log_storage).__name__ == "BatchedSqliteEventLogStorage"
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        for instance in (batched, stock):
            result = job.execute_in_process(instance=instance, **run)
            assert result.success
            read.append(read_back(instance, result.run_id))
    return read


def _made(folder: Path) -> str:
    folder.mkdir()
    return str(folder)


def test_ops_a_watcher_of_a_run_sees_each_event_as_it_is_stored(tmp_path):
    """The UI's live view of a run watches the run's file (Dagster's watchdog on the
    SQLite event log). The event log keeps its connections open, so a commit reaches the
    write-ahead log only: each event must still reach the watcher as it is stored."""
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "warehouse.duckdb")})
    run_id = make_new_run_id()
    seen: list[str] = []

    def watcher(entry, _cursor) -> None:
        seen.append(entry.dagster_event.message)

    with persistent_instance(settings) as instance:
        storage = instance.event_log_storage
        instance.report_engine_event("the run starts", run_id=run_id, job_name="watched")
        storage.watch(run_id, None, watcher)
        try:
            for message in ("first", "second", "third"):
                instance.report_engine_event(message, run_id=run_id, job_name="watched")
                deadline = time.monotonic() + 10
                while message not in seen and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert seen[-1:] == [message], f"the watcher saw {seen} after {message!r}"
        finally:
            storage.end_watch(run_id, watcher)


def test_ops_the_step_times_the_cli_prints_are_those_the_instance_records(sample_run):
    """`driftsstatus run` prints each step's wall-clock time from its start and end events
    alone; Dagster's step stats (which read every event of the run) give the same."""
    warehouse, _env, output = sample_run
    line = next(x for x in output.splitlines() if x.startswith("Step times: "))
    printed = {
        name: float(seconds)
        for name, seconds in re.findall(r"(\w+) ([\d.]+) s", line.removeprefix("Step times: "))
    }
    with dg.DagsterInstance.from_config(str(warehouse.parent / "dagster")) as instance:
        recorded = {
            stats.step_key: stats.end_time - stats.start_time
            for record in instance.get_run_records()
            for stats in instance.get_run_step_stats(record.dagster_run.run_id)
        }
    assert set(printed) == set(recorded)
    assert {"daily_raw_tables", "gx_suites", "report_facts", "serving_copy"} <= set(printed)
    assert all(abs(printed[step] - round(recorded[step], 1)) < 0.051 for step in printed)
