"""Monthly partitions: a run over a range of months rebuilds exactly those months, as one run."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb

from tests.helpers import driftsstatus, pipeline_env

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
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(source, warehouse)
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
