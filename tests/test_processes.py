"""`tests.processes.running` leaves nothing behind, even a process that tries hard to stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.processes import running

# Ignores SIGINT and SIGTERM, and starts a child that leaves the process group and session.
STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print("parent", flush=True)
time.sleep(600)
"""
ESCAPED = """
import os, signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
os.setsid()
print("child", os.getpid(), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    """Running or sleeping; a zombie is dead, only not reaped yet."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _start_stubborn() -> AbstractContextManager[subprocess.Popen]:
    return running(
        [sys.executable, "-c", STUBBORN, ESCAPED], grace=1, stdout=subprocess.PIPE, text=True
    )


def _wait_for_both(parent: subprocess.Popen) -> int:
    """The escaped child's pid, once both are up and the child has left the group."""
    lines = sorted(parent.stdout.readline().split() for _ in range(2))
    assert lines[1] == ["parent"], lines
    child = int(lines[0][1])
    assert os.getsid(child) == child != os.getpgid(parent.pid)
    return child


def test_a_process_ignoring_sigint_and_sigterm_and_its_escaped_child_are_gone():
    with _start_stubborn() as parent:
        child = _wait_for_both(parent)
        assert _alive(parent.pid) and _alive(child)
    assert parent.returncode == -signal.SIGKILL
    assert not _alive(parent.pid)
    assert not _alive(child)


def test_the_processes_are_gone_when_the_block_fails():
    with pytest.raises(RuntimeError, match="the test failed"), _start_stubborn() as parent:
        child = _wait_for_both(parent)
        raise RuntimeError("the test failed")
    assert not _alive(parent.pid)
    assert not _alive(child)


def test_a_process_that_stops_on_sigint_is_stopped_with_sigint():
    code = "import time; print('up', flush=True); time.sleep(600)"
    with running([sys.executable, "-c", code], grace=120, stdout=subprocess.PIPE) as server:
        assert server.stdout.readline() == b"up\n"
    assert server.returncode == -signal.SIGINT  # Python's own exit on an unhandled Ctrl-C
