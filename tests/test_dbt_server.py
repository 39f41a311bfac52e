"""The dbt server (dagster_project/infra/dbt_server.py): `driftsstatus-dbt` inside a
`started()` block is dbt forked from a process that has imported dbt already, with the
command's own arguments, environment, folder, output and exit code; outside one, or
when no server answers, it runs dbt itself."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dagster_project.infra import dbt_server
from dagster_project.infra.dbt_command import (
    DBT_EXECUTABLE,
    PROJECT_PARSE,
    run_dbt,
    start_from_saved_parse,
)
from dagster_project.settings import DBT_PROJECT_DIR, load_settings
from tests.processes import children_running

# Python's list of what a process imports, on its stderr: where dbt was imported.
IMPORTS_SHOWN = {"PYTHONPROFILEIMPORTTIME": "1"}


def _imported_dbt(stderr: str) -> bool:
    return re.search(r"^import time: .*\|\s*dbt\.cli\.main$", stderr, re.MULTILINE) is not None


@pytest.fixture
def dbt_env(tmp_path: Path) -> dict[str, str]:
    return load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "w.duckdb")}).dbt_env()


SERVER = "dagster_project.infra.dbt_server"


def _servers() -> list[int]:
    return children_running(SERVER)


def _started_server() -> int:
    """The one server `started()` began: listed within seconds on a busy machine (a CI
    run once found none the instant it had started)."""
    deadline = time.monotonic() + 10
    while not (servers := _servers()) and time.monotonic() < deadline:
        time.sleep(0.05)
    [server] = servers
    return server


def _ls(dbt_env: dict[str, str], target: Path, *args: str):
    return run_dbt(
        ["ls", "--resource-type", "model", "--select", "dim_services", *args],
        {**dbt_env, **IMPORTS_SHOWN},
        target_path=target,
        parse_from=PROJECT_PARSE,
    )


def test_ops_a_dbt_command_in_the_server_is_dbts_own_without_importing_dbt(tmp_path, dbt_env):
    alone = _ls(dbt_env, tmp_path / "alone")
    with dbt_server.started():
        server = _started_server()
        served = _ls(dbt_env, tmp_path / "served")
        wrong = _ls(dbt_env, tmp_path / "wrong", "--no-such-flag")
        assert _servers() == [server]
    assert alone.returncode == served.returncode == 0
    listed = [line for line in served.stdout.splitlines() if line.endswith("dim_services")]
    assert listed == ["driftsstatus.marts.dim_services"]
    assert listed == [line for line in alone.stdout.splitlines() if line.endswith("dim_services")]
    # The command's own process imported dbt only without the server.
    assert _imported_dbt(alone.stderr)
    assert not _imported_dbt(served.stderr)
    # dbt's usage error, on the command's stderr, with dbt's exit code.
    assert wrong.returncode == 2
    assert "Try 'driftsstatus-dbt ls --help' for help." in wrong.stderr
    assert "Error: No such option '--no-such-flag'." in wrong.stderr
    assert _servers() == []
    assert dbt_server.SERVER_VARIABLE not in os.environ


def test_ops_a_dbt_command_that_finds_no_server_runs_dbt_itself(tmp_path, dbt_env):
    gone = {dbt_server.SERVER_VARIABLE: str(tmp_path / "no-server-here")}
    done = _ls({**dbt_env, **gone}, tmp_path / "target")
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1] == "driftsstatus.marts.dim_services"
    assert _imported_dbt(done.stderr)


def _gone(pids: list[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_ops_ctrl_c_on_a_dbt_command_reaches_the_dbt_the_server_forked(tmp_path, dbt_env):
    """dbt stops on SIGINT as it does without a server, and nothing of it is left; while
    it runs, the server serves another command (each has a session of its own)."""
    target = tmp_path / "target"
    start_from_saved_parse(target, PROJECT_PARSE)
    endless = "select count(*) as n from range(100000000000000)"
    command = [DBT_EXECUTABLE, "--log-level-file", "none", "show", "--inline", endless]
    folders = ["--project-dir", DBT_PROJECT_DIR, "--profiles-dir", DBT_PROJECT_DIR]
    # Another command while the endless query runs, in a thread: from a server that served
    # one command at a time it would get no answer, and time out here, until the block's
    # end killed the server (it then runs dbt itself and ends; the thread is waited for).
    meanwhile = ThreadPoolExecutor(1)
    with dbt_server.started():
        server = _started_server()
        dbt = subprocess.Popen(
            [*command, *folders, "--target-path", target],
            cwd=DBT_PROJECT_DIR,
            env=os.environ | dbt_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            lines = []
            while not any("Registered adapter" in line for line in lines):
                lines.append(dbt.stdout.readline())
            [session] = children_running(SERVER, parent=server)
            [forked] = children_running(SERVER, parent=session)
            other = meanwhile.submit(_ls, dbt_env, tmp_path / "other").result(timeout=60)
            assert other.returncode == 0 and not _imported_dbt(other.stderr), other.stderr
            assert other.stdout.splitlines()[-1] == "driftsstatus.marts.dim_services"
            time.sleep(2)  # in the query by now
            dbt.send_signal(signal.SIGINT)
            output = "".join(lines) + dbt.communicate(timeout=60)[0]
            assert dbt.returncode == 2, output
            assert output.rstrip().endswith("KeyboardInterrupt")
            assert _gone([session, forked])
        finally:
            dbt.kill()
            for left in children_running(SERVER, parent=server):
                for pid in [*children_running(SERVER, parent=left), left]:
                    os.kill(pid, signal.SIGKILL)
    meanwhile.shutdown()
    assert children_running(SERVER) == []


@pytest.mark.skipif(os.getuid() != 0, reason="needs to become another user")
def test_ops_the_dbt_server_serves_only_the_user_who_started_it(tmp_path, dbt_env):
    """Another user's command that finds the server (an abstract socket has no file
    permissions) gets no dbt from it, and would run its own; the server goes on."""
    with dbt_server.started():
        name = os.environ[dbt_server.SERVER_VARIABLE]
        served = _ls(dbt_env, tmp_path / "first")  # the server is serving by now
        answer, told = os.pipe()
        child = os.fork()
        if child == 0:  # another user asks the server
            try:
                os.setuid(65534)
                os.write(told, repr(dbt_server.run_in_server(name)).encode())
            finally:
                os._exit(0)
        os.close(told)
        os.waitpid(child, 0)
        with os.fdopen(answer) as theirs:
            assert theirs.read() == "None"
        still = _ls(dbt_env, tmp_path / "after")
    for done in (served, still):
        assert done.returncode == 0
        assert not _imported_dbt(done.stderr)
