"""dbt's command line, and the folders its runs keep, without Dagster: what publishing a
report runs (importing dagster-dbt, and dbt with it, took 1.5 s of a `publish`), and
what the Dagster assets' dbt (infra/dbt_cli.py) builds on."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR

# This environment's dbt, also when the virtual environment is not activated (cron,
# `.venv/bin/driftsstatus`, the daemon's run workers): dbt with a saved parse that any
# warehouse can start from (infra/dbt_main.py).
DBT_EXECUTABLE = str(Path(sys.executable).with_name("driftsstatus-dbt"))
# dbt's debug log file is off: it cost 15-20 % of a build's CPU, and what a reader needs
# of it is in the run's log.
GLOBAL_FLAGS = ("--log-level-file", "none")
TARGET_DIR = DBT_PROJECT_DIR / "target"
# The project's manifest and parse, kept by prepare_manifest: the asset graph, and where
# a new target folder starts from. In a folder of their own: a plain `dbt` command in
# dbt/ (README, Developing dbt models) writes its own into target/, a parse that
# driftsstatus-dbt cannot reuse (its connection settings hash the warehouse's path), so
# every new warehouse and every publication then parsed the whole project (1.5 s).
PROJECT_TARGET = TARGET_DIR / "project"
PROJECT_PARSE = PROJECT_TARGET / "partial_parse.msgpack"
PROJECT_MANIFEST = PROJECT_TARGET / "manifest.json"
# What a parse is made from: the project's files, and the profile (a saved parse is reused
# only with the same connection settings, infra/dbt_main.py).
DBT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")
DBT_MAIN = Path(__file__).with_name("dbt_main.py")  # driftsstatus-dbt's code


def manifest_is_stale() -> bool:
    """The project's manifest (or the parse kept with it) is missing or older than a file
    of the dbt project."""
    if not (PROJECT_MANIFEST.exists() and PROJECT_PARSE.exists()):
        return True
    built = PROJECT_MANIFEST.stat().st_mtime
    # The saved parse also depends on the check driftsstatus-dbt makes before reusing one.
    paths = [*(DBT_PROJECT_DIR / name for name in DBT_SOURCES), DBT_MAIN]
    files = (f for p in paths for f in ([p] if p.is_file() else p.rglob("*")))
    return any(f.stat().st_mtime > built for f in files)


def warehouse_target_path(env: Mapping[str, str]) -> Path:
    """dbt's artifacts for the warehouse of the dbt environment `env`, kept from run to
    run: the next build of the same warehouse parses only what changed
    (partial_parse.msgpack), where a fresh folder per run would parse the whole project
    every time. Runs on one warehouse never overlap (its write lock)."""
    # Per engine too: dbt parses the whole project again for another target.
    key = env.get("DRIFTSSTATUS_WAREHOUSE", "") + env.get("DBT_TARGET", "")
    return TARGET_DIR / "warehouses" / hashlib.sha256(key.encode()).hexdigest()[:12]


def start_from_saved_parse(target: Path, parse_from: Path | None) -> None:
    """A new target folder starts from the saved parse `parse_from` (a warehouse's, whose
    reference folder it shares), else from the project's: dbt then parses only what
    differs from it, not the whole project. A parse saved with other project settings
    (another reference folder) is simply not reused; one that cannot be read (copied
    while dbt rewrote it) is parsed afresh."""
    if (target / PROJECT_PARSE.name).exists():
        return
    saved = next((p for p in (parse_from, PROJECT_PARSE) if p is not None and p.exists()), None)
    if saved is None:
        return
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(saved, target / ".parse.tmp")
    os.replace(target / ".parse.tmp", target / PROJECT_PARSE.name)


def run_dbt(
    args: Sequence[str], env: Mapping[str, str], target_path: Path, parse_from: Path | None
) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` in the project, with the dbt environment `env` (`Settings.dbt_env()`)
    over this process's, its artifacts in `target_path`; dbt's log lines as its output."""
    start_from_saved_parse(target_path, parse_from)
    return subprocess.run(
        [DBT_EXECUTABLE, *GLOBAL_FLAGS, "--no-use-colors", *args,
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target_path)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
