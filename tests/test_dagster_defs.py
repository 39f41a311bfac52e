"""The Dagster definitions load the way `dg dev` and the scheduled runs load them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.resources import resources_for
from dagster_project.infra.dbt_command import PROJECT_MANIFEST
from dagster_project.landing.sources import SOURCES
from dagster_project.settings import load_settings
from tests.helpers import REPO_ROOT, copy_warehouse

YAML_FILES = sorted((REPO_ROOT / "dbt" / "models").rglob("*.yml"))


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_dg_check_defs_passes_with_either_engine(engine):
    dg_cli = Path(sys.executable).with_name("dg")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    result = subprocess.run(
        [str(dg_cli), "check", "defs"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=env | {"DRIFTSSTATUS_ENGINE": engine},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ops_the_definitions_load_without_importing_dbt_core():
    """dbt runs as a program of its own (driftsstatus-dbt); importing dbt-core into every
    process that loads the definitions cost it 1 to 3 s at start-up (infra/dbt_cli.py)."""
    code = (
        "import sys\n"
        "from dagster_project.definitions import definitions_for\n"
        "from dagster_project.settings import load_settings\n"
        "graph = definitions_for(load_settings()).resolve_asset_graph()\n"
        "print(len(graph.asset_check_keys))\n"
        "print(sorted(m for m, v in sys.modules.items() if v and m.split('.')[0] in "
        "('dbt', 'dbt_common', 'mashumaro')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    # Every data test of dbt's manifest is a check, with the landing sources' two each.
    manifest = json.loads(PROJECT_MANIFEST.read_text(encoding="utf-8"))
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    checks = len(tests) + 2 * len(SOURCES)
    assert result.stdout.splitlines() == [str(checks), "[]"]


def test_the_engine_setting_moves_the_pipelines_builds_and_nothing_else_to_spark(tmp_path):
    """DRIFTSSTATUS_ENGINE=spark: the Dagster builds run dbt's `spark` target with the
    master and folder given (a folder beside the warehouse by default); publishing a
    report builds its scratch copy on DuckDB either way."""
    warehouse = tmp_path / "warehouse.duckdb"
    env = {"DRIFTSSTATUS_WAREHOUSE": str(warehouse), "DRIFTSSTATUS_ENGINE": "spark"}
    settings = load_settings(env)
    dbt = resources_for(settings)["dbt"]
    assert dbt.env["DBT_TARGET"] == "spark"
    assert dbt.env["DRIFTSSTATUS_SPARK_MASTER"] == "local[2]"
    assert dbt.spark_folder() == tmp_path / "warehouse.spark"
    assert "DBT_TARGET" not in settings.dbt_env()
    cluster = load_settings(
        env
        | {
            "DRIFTSSTATUS_SPARK_MASTER": "spark://10.0.0.5:7077",
            "DRIFTSSTATUS_SPARK_DIR": "/srv/spark",
        }
    )
    assert resources_for(cluster)["dbt"].env["DRIFTSSTATUS_SPARK_MASTER"] == "spark://10.0.0.5:7077"
    assert resources_for(cluster)["dbt"].spark_folder() == Path("/srv/spark")
    assert (
        resources_for(load_settings({"DRIFTSSTATUS_WAREHOUSE": str(warehouse)}))[
            "dbt"
        ].spark_folder()
        is None
    )
    with pytest.raises(
        ValueError, match="DRIFTSSTATUS_ENGINE must be one of duckdb, spark: 'oracle'"
    ):
        load_settings(env | {"DRIFTSSTATUS_ENGINE": "oracle"})


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    from dagster_project.definitions import defs

    return defs()


@pytest.fixture(scope="module")
def graph(definitions):
    return definitions.resolve_asset_graph()


def _keys(keys) -> set[str]:
    return {key.to_user_string() for key in keys}


STAGING = {
    "staging/stg_incidents__incident_versions",
    "staging/stg_monitoring__probe_checks",
    "staging/stg_operations__changes",
    "staging/stg_operations__service_calls",
    "staging/stg_operations__service_windows",
    "staging/stg_reference__areas",
    "staging/stg_reference__contract_terms",
    "staging/stg_reference__public_holidays",
    "staging/stg_reference__recurring_window_occurrences",
    "staging/stg_reference__response_targets",
    "staging/stg_reference__service_hours",
    "staging/stg_reference__services",
    "staging/stg_reference__sla_targets",
}
INTERMEDIATE = {
    "intermediate/int_agreed_service_time",
    "intermediate/int_conditions",
    "intermediate/int_contract_terms",
    "intermediate/int_incidents_as_of",
    "intermediate/int_monthly_service_downtime",
    "intermediate/int_probe_hours",
    "intermediate/int_probe_status_blocks",
    "intermediate/int_probe_status_intervals",
    "intermediate/int_recurring_window_occurrences",
    "intermediate/int_report_months",
    "intermediate/int_response_targets",
    "intermediate/int_response_times",
    "intermediate/int_scheduled_service_time",
    "intermediate/int_service_time_segments",
    "intermediate/int_service_windows",
}
MARTS = {
    "marts/dim_services",
    "marts/fct_downtime_intervals",
    "marts/fct_incidents",
    "marts/fct_monthly_availability",
    "marts/fct_monthly_operations",
    "marts/fct_monthly_penalties",
    "marts/fct_monthly_response_times",
    "marts/fct_monthly_service_calls",
    "marts/fct_response_time_worst_hours",
    "marts/fct_service_windows",
}
SEEDS = {
    "seeds/areas",
    "seeds/contract_terms",
    "seeds/recurring_windows",
    "seeds/response_targets",
    "seeds/service_hours",
    "seeds/services",
    "seeds/sla_targets",
}
LANDING = {
    "raw/changes",
    "raw/incidents",
    "raw/probe_checks",
    "raw/service_calls",
    "raw/service_windows",
}
# Reference data the load derives (defs/declarations.py), not landing sources.
DERIVED = {"raw/public_holidays", "raw/recurring_window_occurrences"}
FRESHNESS = "audit/source_freshness"
PUBLISH = {FRESHNESS, "publish/report_delivery", "publish/report_draft", "serving_copy"}


def test_ops_asset_keys_per_group(graph):
    groups: dict[str, set[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, set()).add(key.to_user_string())
    assert groups == {
        "landing": LANDING | DERIVED,
        "reference_data": SEEDS,
        "staging": STAGING,
        "intermediate": INTERMEDIATE,
        "marts": MARTS,
        "publish": PUBLISH,
    }


def test_ops_each_landing_source_feeds_exactly_its_staging_model_and_the_freshness(graph):
    children = {
        key: _keys(graph.get(dg.AssetKey.from_user_string(key)).child_keys) for key in LANDING
    }
    assert children == {
        "raw/changes": {"staging/stg_operations__changes", FRESHNESS},
        "raw/incidents": {"staging/stg_incidents__incident_versions", FRESHNESS},
        "raw/probe_checks": {"staging/stg_monitoring__probe_checks", FRESHNESS},
        "raw/service_calls": {"staging/stg_operations__service_calls", FRESHNESS},
        "raw/service_windows": {"staging/stg_operations__service_windows", FRESHNESS},
    }


def test_ops_serving_copy_is_published_after_every_mart(graph):
    """Every model in dbt/models/marts, whatever its name: a new mart is not skipped."""
    marts = sorted(path.stem for path in (REPO_ROOT / "dbt" / "models" / "marts").rglob("*.sql"))
    assert len(marts) >= 7, marts
    parents = _keys(graph.get(dg.AssetKey("serving_copy")).parent_keys)
    missing = [mart for mart in marts if f"marts/{mart}" not in parents]
    assert missing == [], f"serving_copy is published before {missing} is built"
    # The folder and the marts group are the same models.
    assert {f"marts/{mart}" for mart in marts} == MARTS
    # The report is drafted from the serving copy, and e-mailed after the draft.
    draft, delivery = (
        dg.AssetKey(["publish", name]) for name in ("report_draft", "report_delivery")
    )
    assert _keys(graph.get(draft).parent_keys) == {"serving_copy"}
    assert _keys(graph.get(delivery).parent_keys) == {"publish/report_draft"}


def test_ops_gx_suite_and_row_accounting_are_the_checks_of_every_landing_source(graph):
    checks: dict[str, set[str]] = {}
    for check in graph.asset_check_keys:
        checks.setdefault(check.asset_key.to_user_string(), set()).add(check.name)
    both = {"every_row_accounted_for", "gx_suite"}
    assert {key: checks.get(key) for key in LANDING} == {key: both for key in LANDING}


def test_ops_dbt_tests_are_the_asset_checks_of_each_mart(graph):
    checks: dict[str, set[str]] = {key: set() for key in MARTS}
    for check in graph.asset_check_keys:
        if check.asset_key.to_user_string() in MARTS:
            checks[check.asset_key.to_user_string()].add(check.name)
    assert checks == {
        "marts/dim_services": {
            "row_rules_dim_services",
        },
        "marts/fct_downtime_intervals": {
            "row_rules_fct_downtime_intervals",
            "assert_downtime_intervals_explain_every_cell",
            "relationships_fct_downtime_intervals_service_id__service_id__ref_dim_services_",
        },
        "marts/fct_incidents": {
            "row_rules_fct_incidents",
            "relationships_fct_incidents_service_id__service_id__ref_dim_services_",
            "warn_incident_open_more_than_30_days",
        },
        "marts/fct_monthly_availability": {
            "row_rules_fct_monthly_availability",
            "relationships_fct_monthly_availability_service_id__service_id__ref_dim_services_",
            "warn_probe_coverage_below_99_pct",
            "warn_service_month_without_sla_target",
        },
        "marts/fct_monthly_operations": {
            "row_rules_fct_monthly_operations",
        },
        "marts/fct_monthly_penalties": {
            "row_rules_fct_monthly_penalties",
            "relationships_fct_monthly_penalties_service_id__service_id__ref_dim_services_",
        },
        "marts/fct_monthly_response_times": {
            "relationships_fct_monthly_response_times_service_id__service_id__ref_dim_services_",
            "row_rules_fct_monthly_response_times",
        },
        "marts/fct_response_time_worst_hours": {
            "relationships_fct_response_time_worst_hours_service_id__service_id__ref_dim_services_",
            "row_rules_fct_response_time_worst_hours",
        },
        "marts/fct_monthly_service_calls": {
            "row_rules_fct_monthly_service_calls",
        },
        "marts/fct_service_windows": {
            "row_rules_fct_service_windows",
        },
    }  # fmt: skip


def _partitions(job: dg.JobDefinition) -> tuple | None:
    p = job.partitions_def
    if p is None:
        return None
    return (type(p).__name__, p.start.isoformat(), p.timezone, p.end_offset)


def test_ops_jobs_select_their_assets_and_partitions(definitions):
    jobs = {
        job.name: (_keys(job.asset_layer.selected_asset_keys), _partitions(job))
        for job in definitions.resolve_all_job_defs()
        if job.name != "__ASSET_JOB"
    }
    build = SEEDS | STAGING | INTERMEDIATE | MARTS | {FRESHNESS, "serving_copy"}
    start = "2020-01-01T00:00:00+01:00"
    assert jobs == {
        "load_landing": (
            LANDING | DERIVED,
            ("DailyPartitionsDefinition", start, "Europe/Copenhagen", 1),
        ),
        "build_all": (build, ("MonthlyPartitionsDefinition", start, "Europe/Copenhagen", 1)),
        "monthly_report": (
            build | {"publish/report_draft", "publish/report_delivery"},
            ("MonthlyPartitionsDefinition", start, "Europe/Copenhagen", 1),
        ),
        "prune_run_history_job": (set(), None),
    }


def test_ops_schedules_tick_in_copenhagen_time(definitions):
    schedules = {
        s.name: (s.cron_schedule, s.execution_timezone, s.job_name, s.default_status)
        for s in definitions.schedules
    }
    running = dg.DefaultScheduleStatus.RUNNING
    assert schedules == {
        "nightly_load": ("0 2 * * *", "Europe/Copenhagen", "load_landing", running),
        "monthly_report_draft": ("0 6 1 * *", "Europe/Copenhagen", "monthly_report", running),
        "prune_run_history_daily": (
            "30 3 * * *", "Europe/Copenhagen", "prune_run_history_job", running,
        ),
    }  # fmt: skip


def test_ops_sensors_and_the_jobs_they_start(definitions):
    def jobs(sensor) -> tuple[str, ...]:
        return tuple(job.name for job in sensor.jobs) if sensor.has_jobs else ()

    sensors = {
        s.name: (s.sensor_type.value, jobs(s), s.minimum_interval_seconds, s.default_status)
        for s in definitions.sensors
    }
    running = dg.DefaultSensorStatus.RUNNING
    assert sensors == {
        "landing_files": ("STANDARD", ("load_landing",), 60, running),
        "build_after_load": ("RUN_STATUS", ("build_all",), 60, running),
        "alert_on_run_failure": ("RUN_STATUS", (), 60, running),
    }


def test_dbt_runs_on_its_own_for_model_development(warehouse, tmp_path):
    """The analytics engineer's loop: plain `dbt build --select` and `dbt docs generate`."""
    import os

    copy = copy_warehouse(warehouse, tmp_path / "dev.duckdb")
    env = {**os.environ, "DRIFTSSTATUS_WAREHOUSE": str(copy)}
    dbt = str(Path(sys.executable).with_name("dbt"))
    common = ["--profiles-dir", ".", "--target-path", str(tmp_path / "target")]

    def dbt_command(*args: str) -> str:
        result = subprocess.run(
            [dbt, *args, *common], cwd=REPO_ROOT / "dbt", env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-3000:]
        return result.stdout

    built = dbt_command("build", "--select", "fct_monthly_availability")
    assert "Completed successfully" in built
    assert "unit_test" in built  # the rules' unit tests ran with the model
    # Production builds leave them out; here every one of them runs and passes.
    unit_tests = dbt_command("test", "--select", "test_type:unit")
    assert re.search(r"Done\. PASS=\d+ WARN=0 ERROR=0", unit_tests)  # the hooks pass too
    assert len(re.findall(r"\d+ of \d+ PASS \S+::test_", unit_tests)) == sum(
        path.read_text().count("\n  - name: test_") for path in YAML_FILES
    )
    dbt_command("docs", "generate")
    assert (tmp_path / "target" / "catalog.json").exists()
