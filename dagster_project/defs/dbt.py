"""Stage -> intermediate -> marts: the dbt project as assets, its tests as asset checks."""

import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from dagster_project.defs.partitions import dbt_window_vars, monthly
from dagster_project.settings import DBT_PROJECT_DIR, environment

# dagster-dbt runs `dbt` from PATH: make it this environment's dbt, also when
# the virtual environment is not activated (cron, `.venv/bin/driftsstatus`).
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_SOURCES = ("dbt_project.yml", "models", "macros", "seeds", "tests")


def manifest_is_stale(project: DbtProject) -> bool:
    """The manifest is missing or older than a file of the dbt project."""
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    paths = (project.project_dir / name for name in DBT_SOURCES)
    files = (f for p in paths for f in ([p] if p.is_file() else p.rglob("*")))
    return any(f.stat().st_mtime > built for f in files)


# `dbt parse` (about 2 s) whenever a model changed, so the asset graph always
# matches the SQL, in `dg dev` as in `driftsstatus run`.
if manifest_is_stale(DBT_PROJECT):
    DBT_PROJECT.preparer.prepare(DBT_PROJECT)


class LayerTranslator(DagsterDbtTranslator):
    """Group dbt assets by layer (staging, intermediate, marts, seeds)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference_data"
        return dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else None


# The whole project is built per month: models read the month window (`--vars`); the
# seeds and the few models that are not monthly are cheap to rebuild with any run.
@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    partitions_def=monthly,
    # A backfill of many months is one dbt build over the range, not one per month.
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=LayerTranslator(),
)
def report_facts(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Recompute the months of the run's partition range; other months stay as they are."""
    window = dbt_window_vars(context.partition_time_window)
    context.log.info(f"dbt build for {window['month_from']} .. {window['month_to']}")
    # Unit tests pin the rules' SQL: they run where it changes (`dbt build` while
    # developing, the test suite), not in every production build (dbt's advice).
    args = ["build", "--exclude-resource-type", "unit_test"]
    with environment(
        DRIFTSSTATUS_MONTH_FROM=window["month_from"], DRIFTSSTATUS_MONTH_TO=window["month_to"]
    ):
        invocation = dbt.cli(args, context=context, target_path=_target_path())
    yield from invocation.stream()


def _target_path() -> Path:
    """dbt's artifacts for this warehouse, kept from run to run: the next build of the
    same warehouse parses only what changed (partial_parse.msgpack), where a fresh folder
    per run would parse the whole project every time. Runs on one warehouse never overlap
    (its write lock)."""
    warehouse = os.environ.get("DRIFTSSTATUS_WAREHOUSE", "")
    return (
        DBT_PROJECT.project_dir
        / "target"
        / "warehouses"
        / hashlib.sha256(warehouse.encode()).hexdigest()[:12]
    )
