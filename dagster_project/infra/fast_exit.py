"""Ending a command-line process without the interpreter's teardown.

A command that has built Dagster's definitions, read dbt's manifest or imported Great
Expectations holds millions of Python objects, and the interpreter's last garbage
collections at exit walk them all: about 2 s of CPU after `driftsstatus run` has done
its work and printed its outcome (0.4 s after a dbt build). The process ends instead
once what a normal exit does that anyone can see is done: the threads that are not
daemons have finished, the exit handlers (logging's, temporary folders', Dagster's) have
run and the output is flushed.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def exit_now(code: int | str | None) -> NoReturn:
    """Exit with `code` as `sys.exit` takes it (None is 0, a text is printed and is 1)."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    for thread in threading.enumerate():  # as a normal exit waits for them
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # what the teardown would run first
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code or 0)
