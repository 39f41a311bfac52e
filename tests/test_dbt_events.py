"""dbt's events become log lines only for a log that keeps them
(dagster_project/infra/dbt_events.py): what dbt writes at each log level is what it
wrote before, its debug lines (each statement, its parsing) at the debug level only."""

from __future__ import annotations

import subprocess
import sys
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


# As every dbt command sets its events up: a log at info, and dbt's own callback for
# behaviour-change warnings.
FIRED = """
import sys
from dagster_project.infra import dbt_events
dbt_events.install()
from dbt.adapters.events.types import SQLQuery
from dbt.tracking import track_behavior_change_warn
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager_client import (
    add_callback_to_manager, add_logger_to_manager, cleanup_event_logger,
)
from dbt_common.events.functions import fire_event
from dbt_common.events.logger import LineFormat, LoggerConfig
from dbt_common.events.types import Note
cleanup_event_logger()
add_logger_to_manager(LoggerConfig(
    name="out", line_format=LineFormat.PlainText, level=EventLevel.INFO, use_colors=False,
    output_stream=sys.stdout,
))
add_callback_to_manager(track_behavior_change_warn)
debug = SQLQuery(conn_name="master", sql="select 1", node_info={})
fire_event(debug)
fire_event(Note(msg="an info line"))
print("debug event made into a message:", "pb_msg" in debug.__dict__)
"""


def test_ops_an_event_below_every_logs_level_is_passed_over_despite_dbts_own_callback():
    done = subprocess.run([sys.executable, "-c", FIRED], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = [line.split("  ", 1)[-1] for line in done.stdout.splitlines()]
    assert lines == ["an info line", "debug event made into a message: False"]
