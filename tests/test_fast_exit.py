"""The commands end without the interpreter's teardown (infra/fast_exit.py), and nothing
a user sees of a normal exit is lost: the exit code, buffered output, a thread's work, the
exit handlers."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = """
import atexit, sys, threading, time
from dagster_project.infra.fast_exit import exit_now
atexit.register(lambda: print("the exit handler ran"))
sys.stdout.write("buffered, no newline yet; ")
threading.Thread(target=lambda: (time.sleep(0.3), print("the thread finished"))).start()
exit_now({code!r})
"""


@pytest.mark.parametrize(
    ("code", "returncode", "stderr"),
    [
        (0, 0, ""),
        (3, 3, ""),
        (None, 0, ""),
        ("driftsstatus report: no such month", 1, "driftsstatus report: no such month\n"),
    ],
)
def test_ops_exit_now_keeps_the_code_the_output_and_the_exit_handlers(code, returncode, stderr):
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(code=code)], capture_output=True, text=True
    )
    assert result.returncode == returncode
    assert result.stdout == (
        "buffered, no newline yet; the thread finished\nthe exit handler ran\n"
    )
    assert result.stderr == stderr
