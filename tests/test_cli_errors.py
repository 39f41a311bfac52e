"""No traceback from any command on any input: one clear line, an exit code, an alert."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from dagster_project.cli import _describe
from dagster_project.settings import serving_copy_of
from tests.helpers import REPO_ROOT, driftsstatus

NOT_A_DATABASE = "this is a text file, not a DuckDB database\n"


class _Collect(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[str, list[dict]]]:
    """A chat webhook on 127.0.0.1: (its URL, the messages POSTed to it)."""
    server = HTTPServer(("127.0.0.1", 0), _Collect)
    server.posts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/driftsstatus", server.posts
    server.shutdown()
    server.server_close()


def _usage_error(result, command: str) -> str:
    """The one error line argparse prints under its usage, after checking the rest."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    first, *_, last = result.stderr.splitlines()
    assert first.startswith(f"usage: driftsstatus {command} ")
    return last


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("publish", "--month", "2024-13"), "argument --month: month must look like YYYY-MM"),
        (("report", "--month", "nope"), "argument --month: month must look like YYYY-MM"),
    ],
)
def test_cli_a_bad_month_is_a_usage_error_naming_it(args, error, tmp_path):
    env = {"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "w.duckdb")}
    result = driftsstatus(*args, env=env, check=False)
    assert _usage_error(result, args[0]) == f"driftsstatus {args[0]}: error: {error}: {args[2]!r}"
    assert not (tmp_path / "w.duckdb.lock").exists()  # refused before taking any lock


@pytest.mark.parametrize("kind", [("--declarations",), ("--services", "2", "--months", "1")])
def test_cli_a_sample_refuses_the_seeds_as_its_reference_folder_before_writing(kind, tmp_path):
    seeds = REPO_ROOT / "dbt" / "seeds"
    before = {p.name: p.read_bytes() for p in seeds.iterdir()}
    landing = tmp_path / "landing"
    result = driftsstatus(
        "sample", *kind, "--out", str(landing), "--reference", "dbt/seeds/", check=False
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "driftsstatus sample: dbt/seeds holds the seeds: give another reference folder\n"
    )
    assert not landing.exists()
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == before


@pytest.mark.parametrize("months", ["1900-01..1900-02", "2019-12..2020-02", "2024-01..9999-12"])
def test_cli_run_months_outside_the_partitions_are_a_usage_error(months, tmp_path):
    env = {"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "w.duckdb")}
    result = driftsstatus("run", "--months", months, env=env, check=False)
    now = datetime.now(ZoneInfo("Europe/Copenhagen"))
    assert _usage_error(result, "run") == (
        "driftsstatus run: error: argument --months: "
        f"months must lie between 2020-01 and {now:%Y-%m}: {months!r}"
    )


def _run_refused(warehouse: Path, webhook, tmp_path: Path):
    url, posts = webhook
    before = len(posts)
    env = {
        "DRIFTSSTATUS_WAREHOUSE": str(warehouse),
        "DRIFTSSTATUS_LANDING_DIR": str(tmp_path / "landing"),
        "DRIFTSSTATUS_ALERT_WEBHOOK": url,
    }
    result = driftsstatus("run", env=env, check=False)
    assert "Traceback" not in result.stderr
    return result, posts[before:]


def test_cli_run_under_a_path_that_is_no_folder_cannot_write_the_warehouse(webhook, tmp_path):
    # Honest for root too (no permission check stops root): a regular file on the path.
    (tmp_path / "not-a-folder").write_text("a file\n")
    warehouse = tmp_path / "not-a-folder" / "data" / "w.duckdb"
    result, alerts = _run_refused(warehouse, webhook, tmp_path)
    line = f"driftsstatus run: cannot write the warehouse {warehouse}: Not a directory"
    assert (result.returncode, result.stderr, result.stdout) == (2, line + "\n", "")
    assert [alert["text"] for alert in alerts] == [line]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_cli_run_in_a_read_only_folder_cannot_write_the_warehouse(webhook, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH)
    try:
        result, alerts = _run_refused(folder / "w.duckdb", webhook, tmp_path)
    finally:
        folder.chmod(0o755)
    line = f"driftsstatus run: cannot write the warehouse {folder / 'w.duckdb'}: Permission denied"
    assert (result.returncode, result.stderr) == (2, line + "\n")
    assert [alert["text"] for alert in alerts] == [line]


def test_cli_a_crashing_run_says_why_keeps_the_stack_trace_in_its_log_and_alerts(webhook, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_text(NOT_A_DATABASE)  # e.g. overwritten by mistake
    result, alerts = _run_refused(warehouse, webhook, tmp_path)
    log = tmp_path / "logs" / "last-run.log"
    line = (
        f'driftsstatus run crashed: IOException: IO Error: The file "{warehouse}" exists, '
        "but it is not a valid DuckDB database file!"
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [line, f"The stack trace is in {log}"]
    assert [alert["text"] for alert in alerts] == [line]
    written = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last):" in written
    assert written.rstrip().endswith("is not a valid DuckDB database file!")


@pytest.mark.parametrize(
    "args", [("publish", "--month", "2024-01"), ("report", "--month", "2024-01")]
)
def test_cli_any_unexpected_error_is_one_line_naming_the_command(args, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    damaged = warehouse if args[0] == "publish" else serving_copy_of(warehouse)
    damaged.write_text(NOT_A_DATABASE)
    result = driftsstatus(*args, env={"DRIFTSSTATUS_WAREHOUSE": str(warehouse)}, check=False)
    assert result.returncode == 1
    assert result.stderr == (
        f'driftsstatus {args[0]}: IOException: IO Error: The file "{damaged}" exists, '
        "but it is not a valid DuckDB database file!\n"
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_cli_a_failed_rollback_on_a_full_disk_is_reported_as_the_full_disk():
    """DuckDB's "cannot rollback" hides the write error it handled: the crash names that."""
    with duckdb.connect() as con:
        try:
            try:
                with open("/dev/full", "w") as full:  # always full: ENOSPC on the write
                    full.write("the first rows of a load")
            except OSError:
                con.execute("rollback")
        except duckdb.TransactionException as crash:
            caught = crash
    assert "cannot rollback - no transaction is active" in str(caught)
    assert _describe(caught) == "OSError: [Errno 28] No space left on device"
