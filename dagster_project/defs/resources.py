"""Resources, configured from the data contract's environment variables."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from dagster_project.defs.dbt import DBT_PROJECT
from dagster_project.settings import load_settings


class LandingFolder(dg.ConfigurableResource):
    """The landing folder the sources are loaded from."""

    path: str


@dg.definitions
def resources() -> dg.Definitions:
    settings = load_settings()
    # dbt runs as a subprocess in dbt/ and reads the warehouse path from the
    # environment: hand it the resolved absolute path.
    os.environ.update(settings.dbt_env())
    return dg.Definitions(
        resources={
            "duckdb": DuckDBResource(database=str(settings.warehouse)),
            "landing": LandingFolder(path=str(settings.landing_dir)),
            "dbt": DbtCliResource(project_dir=DBT_PROJECT),
        },
        # DuckDB allows one writing process: run every step in the run's own process.
        executor=dg.in_process_executor,
    )
