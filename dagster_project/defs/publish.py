"""Marts -> publish: the serving copy, replaced only after every check upstream passed."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.dbt import report_facts
from dagster_project.defs.freshness import source_freshness
from dagster_project.publish.serving import publish_serving_copy
from dagster_project.settings import serving_copy_of

# The marts it serves. Not every asset of the dbt build: one that leaves out the unchanged
# reference data (infra/reference_build.py) materializes no seed, and Dagster skips a
# step whose upstream asset the run did not materialize.
MARTS = [key for key, group in report_facts.group_names_by_key.items() if group == "marts"]


@dg.asset(group_name="publish", deps=[*MARTS, source_freshness], kinds={"duckdb"})
def serving_copy(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Read-only copy of the warehouse for the app, swapped in atomically."""
    warehouse = Path(duckdb.database)
    target = publish_serving_copy(warehouse, serving_copy_of(warehouse))
    return dg.MaterializeResult(metadata={"path": str(target), "bytes": target.stat().st_size})
