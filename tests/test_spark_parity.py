"""One dbt project, two engines (issue 14): the same dbt command with `--target spark`
(dbt-spark's in-process session, local mode, on 127.0.0.1) over the raw layer as Parquet
builds what `--target dev` (DuckDB) builds, row for row.

So far the seeds, the staging layer and every intermediate model build on Spark (the
whole SLA computation up to the monthly downtime); the marts follow. The declarations
sample is the data: it has a row in every seed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from dagster_project.infra.dbt_cli import DBT_EXECUTABLE, DBT_PROJECT
from dagster_project.landing.raw_parquet import export_raw_layer
from dagster_project.settings import load_settings
from tests.helpers import copy_warehouse
from tests.processes import running

AS_OF = "2024-01-04T08:00:00+01:00"  # inside the sample's data: the as-of filters bite
LAYERS = ["resource_type:seed", "staging", "intermediate"]
SPARK_TIMEOUT = 600  # seconds: a Spark session starts in about 10 s, a build in a minute
# Types Spark lacks, compared as text: a time of day is its 'HH:MM:SS' text
# (dbt/macros/spark/seeds.sql); the probe hours' masks, DuckDB's bit_or of UBIGINTs (a
# HUGEINT), are BIGINTs, whose 63 bits hold their 60.
SPARK_TYPES = {"TIME": "VARCHAR", "HUGEINT": "BIGINT"}


def _build(env: dict[str, str], target: str, target_path: Path) -> str:
    """`driftsstatus-dbt build` of LAYERS (no tests: they are the same SQL either way)."""
    command = [
        DBT_EXECUTABLE, "--log-level-file", "none", "build", "--target", target,
        "--target-path", str(target_path), "--select", *LAYERS,
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
    ]  # fmt: skip
    with running(
        command, cwd=DBT_PROJECT.project_dir, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as dbt:  # fmt: skip
        output, _ = dbt.communicate(timeout=SPARK_TIMEOUT)
    assert dbt.returncode == 0, output[-5000:]
    return output


TWO_MONTHS = {"DRIFTSSTATUS_MONTH_FROM": "2023-11-01", "DRIFTSSTATUS_MONTH_TO": "2023-12-01"}


@pytest.fixture(scope="module", params=[{}, TWO_MONTHS], ids=["every-month", "two-months"])
def both_engines(request, declared_built: dict, tmp_path_factory: pytest.TempPathFactory):
    """The declarations sample's raw layer built by DuckDB (a copy of its warehouse) and
    by Spark, as of AS_OF, over every month or a window of two (a partition-limited
    run): (DuckDB warehouse, Spark's built relations as Parquet)."""
    root = tmp_path_factory.mktemp("engines")
    warehouse = copy_warehouse(Path(declared_built["warehouse"]), root / "warehouse.duckdb")
    settings = load_settings(
        declared_built["env"]
        | {"DRIFTSSTATUS_WAREHOUSE": str(warehouse), "DRIFTSSTATUS_AS_OF": AS_OF}
    )
    # Only the test's settings: nothing leaks in from the developer's shell.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    env |= settings.dbt_env() | request.param | {"DRIFTSSTATUS_SPARK_DIR": str(root / "spark")}
    _build(env, "dev", root / "duckdb-target")
    export_raw_layer(warehouse, root / "spark" / "raw")
    _build(env, "spark", root / "spark-target")
    return warehouse, root / "spark" / "built"


def _expected_relations() -> set[str]:
    """The seeds and the staging and intermediate models, as schema.name."""
    nodes = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))["nodes"]
    return {
        f"{node['schema']}.{node['alias']}"
        for node in nodes.values()
        if node["resource_type"] == "seed"
        or (node["resource_type"] == "model" and node["schema"] in ("staging", "intermediate"))
    }


def test_spark_builds_every_seed_staging_and_intermediate_model_as_duckdb_does(both_engines):
    warehouse, built = both_engines
    assert {p.name for p in built.iterdir()} == _expected_relations()
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{warehouse}' as duck (read_only)")
        counts = {}
        for folder in sorted(built.iterdir()):
            spark = f"read_parquet('{folder}/*.parquet')"
            duck = f"duck.{folder.name}"
            columns = con.execute(f"describe {duck}").fetchall()
            spark_columns = con.execute(f"describe select * from {spark}").fetchall()
            assert [(c[0], SPARK_TYPES.get(c[1], c[1])) for c in columns] == [
                (c[0], c[1]) for c in spark_columns
            ], folder.name
            # Every value exactly (instants to the microsecond, decimals, lists), as
            # multisets: no row more or less on either side. A time of day as its text.
            values = ", ".join(
                f'cast("{c[0]}" as varchar)' if c[1] in SPARK_TYPES else f'"{c[0]}"'
                for c in columns
            )
            for one, other in ((duck, spark), (spark, duck)):
                extra = con.execute(
                    f"select {values} from {one} except all select {values} from {other} limit 3"
                ).fetchall()
                assert extra == [], f"{folder.name}: rows of {one} only: {extra}"
            counts[folder.name] = con.execute(f"select count(*) from {duck}").fetchone()[0]
    # The data reaches every seed, and the probe checks as of AS_OF.
    assert [name for name, rows in counts.items() if not rows] == []
    assert counts["staging.stg_monitoring__probe_checks"] > 100_000
