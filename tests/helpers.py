"""Shared test helpers: run the real command line on a landing folder and read marts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb

from dagster_project.settings import raw_store_of, serving_copy_of

REPO_ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("golden")
LANDING_SMALL = Path(__file__).with_name("landing_small")
# The small run (conftest's small_run) is as of this instant: March 2024 is month to date.
SMALL_AS_OF = "2024-03-20T00:00:00+01:00"


def driftsstatus(*args: str, env: dict[str, str] | None = None, check: bool = True):
    """Run `driftsstatus ARGS` in a subprocess, as a user would."""
    # Only the test's own settings: nothing leaks in from the developer's shell.
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    full_env.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"driftsstatus {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        )
    return result


def python_json(script: str, *args: str) -> dict:
    """What the Python `script` prints as JSON, run with `args` in a fresh interpreter
    (code a process compiles or builds once, tested across processes)."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def pipeline_env(landing: Path, warehouse: Path, as_of: str | None = None) -> dict[str, str]:
    env = {"DRIFTSSTATUS_LANDING_DIR": str(landing), "DRIFTSSTATUS_WAREHOUSE": str(warehouse)}
    if as_of:
        env["DRIFTSSTATUS_AS_OF"] = as_of
    return env


def land_conflicting_calls(landing: Path, name: str = "resent.csv") -> None:
    """The small landing folder's hours of service calls sent again with other counts: the
    two cannot both hold (R11 would add them up), and a blocking check of the build fails.
    (The same rows sent again count once, with a warning.)"""
    calls = (landing / "service_calls" / "calls.csv").read_text(encoding="utf-8")
    conflicting = calls.replace(",100,1", ",90,1").replace(",50,0", ",40,0")
    assert conflicting != calls
    (landing / "service_calls" / name).write_text(conflicting, encoding="utf-8")


def copy_warehouse(source: Path, target: Path, *, serving: bool = False) -> Path:
    """Copy a warehouse as it must be moved: the file with its raw store (and with
    `serving`, its serving copy). Returns `target`."""
    shutil.copyfile(source, target)
    if raw_store_of(source).is_dir():
        shutil.copytree(raw_store_of(source), raw_store_of(target))
    if serving:
        shutil.copyfile(serving_copy_of(source), serving_copy_of(target))
    return target


def mart_rows(warehouse: Path) -> dict[str, list[tuple]]:
    """Every row of every mart, sorted: what two builds must agree on."""
    tables = [
        t
        for (t,) in query(
            warehouse,
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1",
        )
    ]
    return {t: query(warehouse, f"select * from marts.{t} order by all") for t in tables}


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Read from a finished warehouse with a short-lived read-only connection."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@dataclass
class Webhook:
    url: str
    posts: list[dict]


class _Collect(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args) -> None:  # keep the test output quiet
        pass


@contextmanager
def chat_webhook() -> Iterator[Webhook]:
    """A chat webhook on 127.0.0.1 that keeps every message POSTed to it."""
    server = HTTPServer(("127.0.0.1", 0), _Collect)
    server.posts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Webhook(f"http://127.0.0.1:{server.server_port}/hooks/driftsstatus", server.posts)
    finally:  # pass or fail, the server stops and lets go of its port
        server.shutdown()
        thread.join()
        server.server_close()


def only_these_settings(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment with none of the developer's Driftsstatus or Dagster
    settings, and `settings`: for a server a test starts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTSSTATUS_", "DAGSTER_"))}
    return env | settings


def serve_command(dagster_port: int, app_port: int) -> list[str]:
    """`driftsstatus serve` on 127.0.0.1 with these ports."""
    return [sys.executable, "-m", "dagster_project.cli", "serve",
            "--dagster-port", str(dagster_port), "--app-port", str(app_port)]  # fmt: skip
