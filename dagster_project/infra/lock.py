"""One writer at a time: the lock every process that writes the warehouse takes first.

DuckDB allows one writing process per database file; a second writer would fail
halfway through with DuckDB's own lock error. Writers therefore queue on
`<warehouse>.lock` (fcntl.flock), and the holder writes its PID, command and start
time into that file so that a waiting process can say whom it waits for.
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.lock_record import lock_file_of, recorded, write

FIRST_DELAY = 0.5  # seconds before the second attempt; doubles after every attempt
MAX_DELAY = 10.0
# DuckDB names the process holding the file: "Conflicting lock is held in /usr/bin/x (PID 12)".
_DUCKDB_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")

# Warehouses this process holds: a Dagster run that `driftsstatus run` executes in its
# own process may take the lock again, and must not wait for itself.
_held: set[Path] = set()


class WarehouseLocked(Exception):
    """Another process kept the warehouse locked until the timeout; the message names it."""


@contextmanager
def warehouse_lock(
    warehouse: Path,
    timeout: float,
    what: str,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the warehouse's write lock for the block, waiting up to `timeout` seconds.

    `what` says who takes it (a command line, a Dagster run) and is what waiting
    processes report. The one line said while waiting goes to `on_wait` (default:
    stderr; in Dagster, e.g. `context.log.info`). Raises `WarehouseLocked` naming the
    holder when the lock, or DuckDB's own lock on the file, is still held at the timeout.
    Re-entrant within a process.
    """
    key = warehouse.resolve()
    if key in _held:
        yield
        return
    wait = _Wait(key, what, timeout, time.monotonic() + timeout, on_wait or _to_stderr)
    key.parent.mkdir(parents=True, exist_ok=True)  # the lock file lives next to the warehouse
    lock_file = lock_file_of(key)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        wait.until(lambda: _try_flock(fd, lock_file))
        try:
            write(fd, what)
            # Our own writers are queued now; a tool outside them may still hold the file.
            wait.until(lambda: _duckdb_holder(key))
            _held.add(key)
            yield
        finally:
            _held.discard(key)
            os.ftruncate(fd, 0)  # no stale holder for the next reader of the file
    finally:
        os.close(fd)  # closing the descriptor releases the flock


@dataclass(frozen=True)
class _Wait:
    warehouse: Path
    what: str
    timeout: float
    deadline: float  # time.monotonic() at which to give up
    say: Callable[[str], None]

    def until(self, attempt: Callable[[], str | None]) -> None:
        """Repeat `attempt` (None when it succeeded, else who is in the way) with backoff."""
        delay = FIRST_DELAY
        said = False
        while (holder := attempt()) is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise WarehouseLocked(
                    f"{self.what}: the warehouse {self.warehouse} is locked by {holder}; "
                    f"gave up after {self.timeout:g} s"
                )
            if not said:
                self.say(
                    f"{self.what}: waiting up to {self.timeout:g} s for the warehouse "
                    f"{self.warehouse}, locked by {holder}"
                )
                said = True
            time.sleep(min(delay, left))
            delay = min(delay * 2, MAX_DELAY)


def _try_flock(fd: int, lock_file: Path) -> str | None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder_in(lock_file)
    return None


def _holder_in(lock_file: Path) -> str:
    # None: the holder has taken the lock but not written its name yet.
    return str(recorded(lock_file) or "another process")


def _duckdb_holder(warehouse: Path) -> str | None:
    """Who holds DuckDB's lock on the file, or None when a writer could open it now."""
    if not warehouse.exists():
        return None
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.IOException as problem:
        found = _DUCKDB_HOLDER.search(str(problem))
        if found is None:
            raise
        return f"PID {found[2]} ({found[1]}, holding the file open in DuckDB)"
    return None


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
