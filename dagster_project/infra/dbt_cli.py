"""The dbt project as Dagster sees it (its manifest) and dagster-dbt's dbt command with the
settings' environment, for the assets; both start from infra/dbt_command.py's folders
and saved parses."""

import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import pydantic
from packaging import version

from dagster_project.infra.dbt_command import (
    DBT_EXECUTABLE,
    GLOBAL_FLAGS,
    PROJECT_MANIFEST,
    PROJECT_PARSE,
    PROJECT_TARGET,
    manifest_is_stale,
    start_from_saved_parse,
    warehouse_target_path,
)
from dagster_project.settings import DBT_PROJECT_DIR, ENGINE_TARGETS, environment, load_settings

# dagster-dbt runs dbt as a program (driftsstatus-dbt) and reads its JSON events; it
# imports dbt-core into this process only for dbt's names of node statuses, an import
# that cost every process loading the definitions (a run, the daemon's run workers, the
# webserver) 1 to 3 s at start-up. Without dbt here dagster-dbt uses its own copies of
# those names, as it does for dbt Fusion; DbtCli reports dbt-core's version, so the
# events are still read as dbt-core's. A process that imported dbt already keeps it.
sys.modules.setdefault("dbt", None)  # type: ignore[arg-type]

from dagster_dbt import DbtCliResource, DbtProject  # noqa: E402
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation  # noqa: E402

DBT_PROJECT = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target_path=PROJECT_TARGET.relative_to(DBT_PROJECT_DIR),
)


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt command, run with the settings' dbt environment (warehouse,
    reference data, as-of), and without two start-up costs nothing here uses, together
    3 to 5 s of every build (a one-day run's budget): `dbt --version` in a subprocess
    (the installed dbt-core's version is known), and an in-process dbt adapter, which only
    serves row-count and column metadata that the assets never fetch."""

    env: dict[str, str] = pydantic.Field(default_factory=dict)

    def cli(
        self, args: Sequence[str], *, parse_from: Path | None = None, **kwargs: Any
    ) -> DbtCliInvocation:
        """dbt's command; a new `target_path` starts from the saved parse `parse_from` (a
        warehouse's, whose reference folder it shares), else from the project's."""
        if (target := kwargs.get("target_path")) is not None:
            start_from_saved_parse(target, parse_from)
        # dagster-dbt hands the subprocess a copy of os.environ, taken here.
        with environment(**self.env):
            return super().cli(args, **kwargs)

    def warehouse_target_path(self) -> Path:
        """dbt's artifacts for this warehouse, kept from run to run (dbt_command.py)."""
        return warehouse_target_path(self.env)

    def spark_folder(self) -> Path | None:
        """Spark's folder (settings.engine_env) when dbt builds on Spark, else None."""
        if self.env.get("DBT_TARGET") != ENGINE_TARGETS["spark"]:
            return None
        return Path(self.env["DRIFTSSTATUS_SPARK_DIR"])

    def as_of(self) -> datetime | None:
        """The instant the models are computed as of (R6); None: now."""
        value = self.env.get("DRIFTSSTATUS_AS_OF")
        return datetime.fromisoformat(value) if value else None

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_cli(env: Mapping[str, str]) -> DbtCli:
    """The dbt command for the environment `Settings.dbt_env()` gives (plus overrides)."""
    return DbtCli(
        project_dir=DBT_PROJECT,
        dbt_executable=DBT_EXECUTABLE,
        global_config_flags=list(GLOBAL_FLAGS),
        env=dict(env),
    )


def prepare_manifest() -> None:
    """`dbt parse` (about 2 s) whenever a file of the project changed, so that the asset
    graph always matches the SQL. Called by the entry points before the definitions load,
    never at import. The manifest is swapped in whole: the webserver and the daemon load
    the definitions at the same time, and neither may read half a file."""
    if not manifest_is_stale():
        return
    PROJECT_TARGET.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=PROJECT_TARGET, prefix=".parse-") as scratch:
        # With the default settings' dbt environment, as a run would have it: a parse
        # with other values of the variables dbt_project.yml reads is never reused.
        dbt = dbt_cli(load_settings({}).dbt_env())
        dbt.cli(["parse", "--quiet"], target_path=Path(scratch)).wait()
        os.replace(Path(scratch) / PROJECT_PARSE.name, PROJECT_PARSE)
        os.replace(Path(scratch) / "manifest.json", PROJECT_MANIFEST)
