"""The GX worker: a process that imports GX while the run does other work.

Importing GX takes 1.5-2.5 s of one core (hundreds of pydantic models; SciPy's
statistics, Altair, PySpark and SQLAlchemy are left out, see `_serve`), more than
validating a day's file. `driftsstatus run` starts the worker (`started`) first, before
it imports pandas or Dagster (this module imports neither): GX is imported, at a lower
priority, on the time this process leaves over while it starts Dagster and loads the
landing folder, and the checks then hand the worker their rows (`run_suite`). Without a
started worker the suites run in this process (a run that Dagster's daemon launches).
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import threading
import traceback
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dagster_project.quality.results import ExpectationOutcome

# Optional to GX, and the worker validates pandas frames only. GX imports PySpark where
# it is installed (the Spark extra), for Spark data frames, and PySpark its machine
# learning and much of SciPy: 0.4-0.5 s; and SQLAlchemy (which dagster installs), for
# SQL tables: 0.2-0.3 s.
_LEFT_OUT = ("pyspark", "sqlalchemy")
# Imported by GX at its start for expectations the suites in expectations/ do not use
# (distribution tests, the KL divergence and its chart): 0.8-1.2 s. Imported in full
# the moment one of them is used.
_DEFERRED = ("scipy.stats", "altair")
# How far below the run's priority GX is imported (a nice value: 19 is the lowest).
_NICENESS = 15

_worker: _Worker | None = None


@contextmanager
def started() -> Iterator[None]:
    """A GX worker for the `run_suite` calls made inside the block, the one already
    started if any; stopped at its end (if an inner block has not stopped it), whether
    or not it was used (a run with no new file validates nothing)."""
    global _worker
    if _worker is None:
        _worker = _Worker()
    try:
        yield
    finally:
        if _worker is not None:
            _worker.stop()
            _worker = None


def run_suite(
    source_name: str, samples: list[str], parameters: dict[str, Any], chunk_rows: int
) -> list[ExpectationOutcome]:
    """gx_run.run_suite in the started worker, else in this process."""
    if _worker is None:
        from dagster_project.quality import gx_run

        return gx_run.run_suite(source_name, samples, parameters, chunk_rows)
    return _worker.run(source_name, samples, parameters, chunk_rows)


class _Worker:
    """`python -m dagster_project.quality.gx_worker`, asked and answered in pickles over
    its stdin and stdout (a fresh interpreter: this process may already hold DuckDB's
    and Dagster's threads, which a fork would copy half-made)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # GX's own notices: its findings come back as outcomes, its failures as text.
            stderr=subprocess.DEVNULL,
        )
        # One request at a time: a validation begun early (quality/early.py) asks from its
        # own thread.
        self._asking = threading.Lock()

    def run(self, *request: Any) -> list[ExpectationOutcome]:
        try:
            with self._asking:
                pickle.dump(request, self._process.stdin, protocol=5)
                self._process.stdin.flush()
                done, answer = pickle.load(self._process.stdout)
        except (BrokenPipeError, EOFError):
            code = self._process.wait()
            raise RuntimeError(f"the GX worker process ended (exit code {code})") from None
        if not done:
            raise RuntimeError(f"GX failed in its worker process:\n{answer}")
        return answer

    def stop(self) -> None:
        # Killed, not asked: it may still be importing GX, and holds nothing to save.
        self._process.kill()
        self._process.wait()
        self._process.stdin.close()
        self._process.stdout.close()


def _serve() -> None:
    """The worker: set GX up, then answer each request until its stdin closes."""
    requests, answers = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    from dagster_project.infra import collector

    collector.pause()  # GX's import makes what the worker keeps (0.2 s of 1.9 s)
    for optional in _LEFT_OUT:
        sys.modules.setdefault(optional, None)  # type: ignore[arg-type]
    for name in _DEFERRED:
        sys.modules.setdefault(name, _Deferred(name))
    # Nothing else may write into the answers' pipe.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    broken = _set_up_gx_at_a_lower_priority()
    collector.resume()
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        pickle.dump((False, broken) if broken else _answer(request), answers, protocol=5)
        answers.flush()


class _Deferred(types.ModuleType):
    """A module that is imported when one of its names is first read."""

    def __getattr__(self, name: str) -> Any:
        # The import system's and tools' probes (__file__, __wrapped__, ...) find nothing;
        # __path__ is the real one's, so that its submodules import.
        if name.startswith("__") and name != "__path__":
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _set_up_gx_at_a_lower_priority() -> str | None:
    """GX imported and set up on a thread of lower priority (a thread's nice value is its
    own on Linux), where it takes the time the run leaves idle, not a core from Dagster's
    start and the landing files' dating; the requests are then answered at the run's
    priority, which an unprivileged process could not take back once it had lowered its
    own. The traceback of a set-up that failed (each request is answered with it)."""
    failed: list[str | None] = [None]

    def set_up() -> None:
        if sys.platform == "linux":  # elsewhere a thread's id may name another process
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICENESS)
        try:
            from dagster_project.quality import gx_run

            gx_run.set_up_gx()
        except Exception:
            failed[0] = traceback.format_exc()

    importer = threading.Thread(target=set_up, name="gx-set-up")
    importer.start()
    importer.join()
    return failed[0]


def _answer(request: tuple) -> tuple[bool, Any]:
    try:
        from dagster_project.quality import gx_run

        return True, gx_run.run_suite(*request)
    except Exception:  # the caller raises it, with this traceback
        return False, traceback.format_exc()


if __name__ == "__main__":
    _serve()
