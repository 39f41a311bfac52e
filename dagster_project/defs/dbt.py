"""Stage -> intermediate -> marts: the dbt project as assets, its tests as asset checks."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, dbt_assets
from dagster_duckdb import DuckDBResource

from dagster_project.defs.partitions import dbt_window_vars, monthly
from dagster_project.infra.dbt_cli import DBT_PROJECT, DbtCli
from dagster_project.infra.dbt_command import PROJECT_MANIFEST
from dagster_project.infra.reference_build import (
    FINGERPRINT_VARIABLE,
    LEAVE_OUT,
    reference_build_plan,
)
from dagster_project.landing.raw_parquet import export_raw_layer
from dagster_project.publish.spark_marts import import_built_marts
from dagster_project.settings import DBT_PROJECT_DIR, SEED_PATH_VARIABLE, environment


class LayerTranslator(DagsterDbtTranslator):
    """Group dbt assets by layer (staging, intermediate, marts, seeds)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference_data"
        return dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else None


# The whole project is built per month: models read the month window (`--vars`); the
# few models that are not monthly are cheap to rebuild with any run, and the reference
# data is left out while it is unchanged.
@dbt_assets(
    manifest=PROJECT_MANIFEST,
    project=DBT_PROJECT,
    partitions_def=monthly,
    # A backfill of many months is one dbt build over the range, not one per month.
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=LayerTranslator(),
)
def report_facts(context: dg.AssetExecutionContext, dbt: DbtCli, duckdb: DuckDBResource):
    """Recompute the months of the run's partition range; other months stay as they are.
    The reference data is seeded again only when it changed (infra/reference_build.py).

    On Spark (DRIFTSSTATUS_ENGINE=spark) dbt reads the raw layer as Parquet files, written
    from the warehouse first, and the marts it built come back into the warehouse after
    a build that passed."""
    window = dbt_window_vars(context.partition_time_window)
    warehouse = Path(dbt.env["DRIFTSSTATUS_WAREHOUSE"])
    # Unit tests pin the rules' SQL: they run where it changes (`dbt build` while
    # developing, the test suite), not in every production build (dbt's advice). The
    # build's record is Dagster's event log: dbt's JSON artifacts (a 1.5 MB manifest
    # serialised after every build, 0.3 s) are not written.
    args = ["build", "--exclude-resource-type", "unit_test", "--no-write-json"]
    fingerprint = None
    if spark := dbt.spark_folder():
        export_raw_layer(warehouse, spark / "raw", dbt.env["DRIFTSSTATUS_MEMORY_LIMIT"])
    else:
        with duckdb.get_connection() as con:
            built, fingerprint = reference_build_plan(
                con, DBT_PROJECT_DIR / dbt.env[SEED_PATH_VARIABLE]
            )
        if built:
            args += LEAVE_OUT
            context.log.info("The reference data is as built: not seeded again")
    context.log.info(f"dbt build for {window['month_from']} .. {window['month_to']}")
    with environment(
        DRIFTSSTATUS_MONTH_FROM=window["month_from"],
        DRIFTSSTATUS_MONTH_TO=window["month_to"],
        **{FINGERPRINT_VARIABLE: fingerprint},
    ):
        invocation = dbt.cli(args, context=context, target_path=dbt.warehouse_target_path())
    yield from invocation.stream()
    if spark:
        marts = import_built_marts(warehouse, spark / "built")
        context.log.info(f"{len(marts)} marts from Spark into the warehouse")
