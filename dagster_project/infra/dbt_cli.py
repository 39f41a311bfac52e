"""The one way dbt is run: the dbt project, its manifest, and the dbt command with the
settings' environment, for the Dagster assets and the publisher alike."""

import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import pydantic
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from packaging import version

from dagster_project.settings import DBT_PROJECT_DIR, ENGINE_TARGETS, environment, load_settings

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_SOURCES = ("dbt_project.yml", "models", "macros", "seeds", "tests")
# This environment's dbt, also when the virtual environment is not activated (cron,
# `.venv/bin/driftsstatus`, the daemon's run workers): dbt with a saved parse that any
# warehouse can start from (infra/dbt_main.py).
DBT_EXECUTABLE = str(Path(sys.executable).with_name("driftsstatus-dbt"))
DBT_MAIN = Path(__file__).with_name("dbt_main.py")  # its code
# The project's parse, kept by prepare_manifest: where a new target folder starts from.
PROJECT_PARSE = DBT_PROJECT.manifest_path.with_name("partial_parse.msgpack")


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
            _start_from_saved_parse(target, parse_from)
        # dagster-dbt hands the subprocess a copy of os.environ, taken here.
        with environment(**self.env):
            return super().cli(args, **kwargs)

    def warehouse_target_path(self) -> Path:
        """dbt's artifacts for this warehouse, kept from run to run: the next build of the
        same warehouse parses only what changed (partial_parse.msgpack), where a fresh
        folder per run would parse the whole project every time. Runs on one warehouse
        never overlap (its write lock)."""
        # Per engine too: dbt parses the whole project again for another target.
        key = self.env.get("DRIFTSSTATUS_WAREHOUSE", "") + self.env.get("DBT_TARGET", "")
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        return DBT_PROJECT.project_dir / "target" / "warehouses" / digest

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


def _start_from_saved_parse(target: Path, parse_from: Path | None) -> None:
    """dbt then parses only what differs from that parse, not the whole project. A parse
    saved with other project settings (another reference folder) is simply not reused;
    one that cannot be read (copied while dbt rewrote it) is parsed afresh."""
    if (target / PROJECT_PARSE.name).exists():
        return
    saved = next((p for p in (parse_from, PROJECT_PARSE) if p is not None and p.exists()), None)
    if saved is None:
        return
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(saved, target / ".parse.tmp")
    os.replace(target / ".parse.tmp", target / PROJECT_PARSE.name)


def dbt_cli(env: Mapping[str, str]) -> DbtCli:
    """The dbt command for the environment `Settings.dbt_env()` gives (plus overrides).

    dbt's debug log file is off: it cost 15-20 % of a build's CPU, and what a reader
    needs of it is in the run's log (dagster-dbt passes dbt's lines on)."""
    return DbtCli(
        project_dir=DBT_PROJECT,
        dbt_executable=DBT_EXECUTABLE,
        global_config_flags=["--log-level-file", "none"],
        env=dict(env),
    )


def manifest_is_stale(project: DbtProject = DBT_PROJECT) -> bool:
    """The manifest (or the parse kept with it) is missing or older than a file of the
    dbt project."""
    kept = (project.manifest_path, project.manifest_path.with_name(PROJECT_PARSE.name))
    if not all(path.exists() for path in kept):
        return True
    built = project.manifest_path.stat().st_mtime
    # The saved parse also depends on the check driftsstatus-dbt makes before reusing one.
    paths = [*(project.project_dir / name for name in DBT_SOURCES), DBT_MAIN]
    files = (f for p in paths for f in ([p] if p.is_file() else p.rglob("*")))
    return any(f.stat().st_mtime > built for f in files)


def prepare_manifest() -> None:
    """`dbt parse` (about 2 s) whenever a file of the project changed, so that the asset
    graph always matches the SQL. Called by the entry points before the definitions load,
    never at import. The manifest is swapped in whole: the webserver and the daemon load
    the definitions at the same time, and neither may read half a file."""
    if not manifest_is_stale():
        return
    target = DBT_PROJECT.manifest_path.parent
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix=".parse-") as scratch:
        # With the default settings' dbt environment, as a run would have it: a parse
        # with other values of the variables dbt_project.yml reads is never reused.
        dbt = dbt_cli(load_settings({}).dbt_env())
        dbt.cli(["parse", "--quiet"], target_path=Path(scratch)).wait()
        os.replace(Path(scratch) / PROJECT_PARSE.name, PROJECT_PARSE)
        os.replace(Path(scratch) / "manifest.json", DBT_PROJECT.manifest_path)
