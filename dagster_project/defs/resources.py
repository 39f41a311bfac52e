"""Resources, configured from the data contract's environment variables."""

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
import pydantic
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from packaging import version

from dagster_project.defs.dbt import DBT_PROJECT
from dagster_project.pipeline.lock import warehouse_lock
from dagster_project.settings import load_settings


class Warehouse(DuckDBResource):
    """The warehouse, held under its write lock for the whole run that uses it.

    Runs from the UI, the schedules and the sensor queue behind `driftsstatus run` and
    `publish` (and each other) instead of failing on DuckDB's lock halfway through.
    """

    lock_timeout: float

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["Warehouse"]:
        log = context.log.info if context.log else None
        what = f"dagster run {context.run_id}" if context.run_id else "dagster"
        with warehouse_lock(Path(self.database), self.lock_timeout, what, on_wait=log):
            yield self


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without two start-up costs these assets do not use,
    together 3 to 5 s of every build (a one-day run's budget): `dbt --version` in a
    subprocess (the installed dbt-core's version is known), and an in-process dbt adapter,
    which only serves row-count and column metadata that the assets never fetch."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


class LandingFolder(dg.ConfigurableResource):
    """The landing folder the sources are loaded from."""

    path: str
    # Sources whose folder may be empty although the warehouse holds rows from it.
    allow_empty: list[str] = pydantic.Field(default_factory=list)


class RunHistory(dg.ConfigurableResource):
    """How long the instance keeps finished runs (pipeline/instance.py prunes them)."""

    keep_days: int


@dg.definitions
def resources() -> dg.Definitions:
    settings = load_settings()
    # dbt runs as a subprocess in dbt/ and reads the warehouse path from the
    # environment: hand it the resolved absolute path.
    os.environ.update(settings.dbt_env())
    return dg.Definitions(
        resources={
            "duckdb": Warehouse(
                database=str(settings.warehouse),
                lock_timeout=settings.lock_timeout,
                connection_config={"memory_limit": settings.memory_limit},
            ),
            "landing": LandingFolder(
                path=str(settings.landing_dir), allow_empty=sorted(settings.allow_empty)
            ),
            "dbt": DbtCli(project_dir=DBT_PROJECT),
            "run_history": RunHistory(keep_days=settings.run_retention_days),
        },
        # DuckDB allows one writing process: run every step in the run's own process.
        executor=dg.in_process_executor,
    )
