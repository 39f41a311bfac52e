"""dbt's events become log lines only for a log that keeps them
(dagster_project/infra/dbt_events.py): what dbt writes at each log level is what it
wrote before, its debug lines (each statement, its parsing) at the debug level only."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_project.infra.dbt_command import PROJECT_PARSE, run_dbt
from dagster_project.settings import load_settings

QUERY = "select 42 as answer"
ANSWER = "|     42 |"


@pytest.fixture
def dbt_env(tmp_path: Path) -> dict[str, str]:
    return load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "w.duckdb")}).dbt_env()


def _show(dbt_env: dict[str, str], target: Path, *flags: str) -> str:
    done = run_dbt(
        [*flags, "show", "--inline", QUERY], dbt_env, target_path=target, parse_from=PROJECT_PARSE
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_ops_dbt_writes_the_lines_its_log_level_keeps(tmp_path, dbt_env):
    info = _show(dbt_env, tmp_path / "info")
    debug = _show(dbt_env, tmp_path / "debug", "--log-level", "debug")
    quiet = _show(dbt_env, tmp_path / "quiet", "--quiet")
    # The shown rows (a print event) at every level, --quiet included.
    assert all(ANSWER in out for out in (info, debug, quiet))
    # Info lines at info and debug.
    assert "Concurrency: 2 threads (target='dev')" in info
    assert "Concurrency: 2 threads (target='dev')" in debug
    # Debug lines, the statement dbt ran among them, at debug only.
    assert "running dbt with arguments" in debug
    assert QUERY in debug.replace(ANSWER, "")
    assert "running dbt with arguments" not in info
    assert QUERY not in info
    assert quiet.strip().splitlines() == ["| answer |", "| ------ |", ANSWER]
