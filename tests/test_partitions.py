"""Monthly partitions: a run over a range of months rebuilds exactly those months, as one run."""

from __future__ import annotations

import dagster as dg
import duckdb

from dagster_project.defs.partitions import RANGE_END_TAG, RANGE_START_TAG, monthly
from dagster_project.timeline import FIRST_MONTH, month_in_progress
from tests.helpers import copy_warehouse, driftsstatus, pipeline_env

MARTS = (
    "fct_monthly_availability",
    "fct_monthly_service_calls",
    "fct_monthly_operations",
    "fct_downtime_intervals",
)
RANGE = ("2023-11-01", "2024-01-01")
OUTSIDE = "2023-10-01"


def _rows(warehouse, table: str, months: tuple[str, ...]) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"select * from marts.{table} where strftime(month, '%Y-%m-%d') in "
            f"({', '.join('?' for _ in months)}) order by all",
            list(months),
        ).fetchall()


def test_a_backfill_of_three_months_equals_the_full_build_and_touches_no_other_month(
    sample_run, sample_landing, tmp_path
):
    source, _, _ = sample_run
    warehouse = copy_warehouse(source, tmp_path / "warehouse.duckdb")
    inside = ("2023-11-01", "2023-12-01", "2024-01-01")
    full = {table: _rows(source, table, inside) for table in MARTS}
    assert all(full.values())
    # Wreck four months; the run must restore the three of its range and leave the fourth.
    with duckdb.connect(str(warehouse)) as con:
        for table in MARTS:
            con.execute(f"delete from marts.{table} where month >= date '{OUTSIDE}'")
    result = driftsstatus(
        "run",
        "--months",
        f"{RANGE[0][:7]}..{RANGE[1][:7]}",
        env=pipeline_env(sample_landing, warehouse),
    )
    assert "Months built: 2023-11 .. 2024-01 (one run)" in result.stdout
    for table in MARTS:
        assert _rows(warehouse, table, inside) == full[table], table
        assert _rows(warehouse, table, (OUTSIDE,)) == [], table
    assert len(_rows(warehouse, "fct_monthly_availability", ("2023-09-01",))) == 10


def test_the_report_facts_are_partitioned_by_copenhagen_month_with_single_run_backfills():
    from dagster_project.definitions import defs

    graph = defs().resolve_asset_graph()
    for key in (
        dg.AssetKey(["marts", "fct_monthly_availability"]),
        dg.AssetKey(["publish", "report_draft"]),
    ):
        node = graph.get(key)
        assert node.partitions_def.timezone == "Europe/Copenhagen"
        assert node.partitions_def.get_first_partition_key() == "2020-01-01"
        assert node.backfill_policy == dg.BackfillPolicy.single_run()


def test_r1_the_month_partitions_span_the_time_lines_first_month_to_the_month_in_progress():
    # `driftsstatus run --months` checks a range against the time line without Dagster.
    assert monthly.get_first_partition_key() == FIRST_MONTH
    assert monthly.get_last_partition_key() == f"{month_in_progress():%Y-%m-%d}"


LOCAL_DAY = "date_trunc('day', timezone('Europe/Copenhagen', {}))"


def _landing_rows_of_day(landing, day: str) -> dict[str, int]:
    """Rows of a Copenhagen day in the landing files, counted straight from the files."""
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        counts = {}
        for table, column, pattern in (
            ("probe_checks", "checked_at", "probe_checks/*.csv.gz"),
            ("service_calls", "period_start", "service_calls/*.csv"),
        ):
            (counts[table],) = con.execute(
                f"select count(*) from read_csv('{landing}/{pattern}', all_varchar = true) "
                f"where {LOCAL_DAY.format(f'{column}::timestamptz')} = ?",
                [day],
            ).fetchone()
    return counts


def _raw_days(warehouse, table: str, column: str) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        rows = con.execute(
            f"select strftime({LOCAL_DAY.format(column)}, '%Y-%m-%d'), count(*) "
            f"from raw.{table} group by all"
        ).fetchall()
    return dict(rows)


def test_r1_a_day_partition_loads_exactly_that_copenhagen_day(
    sample_landing, tmp_path, monkeypatch
):
    from dagster_project.definitions import defs
    from dagster_project.defs.sensors import sensors_for

    warehouse = tmp_path / "warehouse.duckdb"
    for name, value in pipeline_env(sample_landing, warehouse).items():
        monkeypatch.setenv(name, value)
    job = defs().resolve_job_def("load_landing")
    with dg.DagsterInstance.ephemeral() as instance:
        first = job.execute_in_process(instance=instance, partition_key="2024-01-15")
        assert first.success
        expected = _landing_rows_of_day(sample_landing, "2024-01-15")
        assert _raw_days(warehouse, "probe_checks", "checked_at") == {
            "2024-01-15": expected["probe_checks"]
        }
        assert _raw_days(warehouse, "service_calls", "period_start") == {
            "2024-01-15": expected["service_calls"]
        }
        assert expected["probe_checks"] > 20_000  # a day of minute checks of ten services

        # The next day is added; the 15th is not touched.
        second = job.execute_in_process(instance=instance, partition_key="2024-01-16")
        assert second.success
        days = _raw_days(warehouse, "probe_checks", "checked_at")
        assert days["2024-01-15"] == expected["probe_checks"]
        assert set(days) == {"2024-01-15", "2024-01-16"}

        # A good load starts the build of its month.
        context = dg.build_run_status_sensor_context(
            sensor_name="build_after_load",
            dagster_event=second.get_run_success_event(),
            dagster_instance=instance,
            dagster_run=second.dagster_run,
        )
        (sensor,) = [s for s in sensors_for(60) if s.name == "build_after_load"]
        request = sensor(context)
        assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (
            "2024-01-01",
            "2024-01-01",
        )
