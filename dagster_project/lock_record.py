"""Who is writing the warehouse: the record kept in `<warehouse>.lock`.

The process holding the warehouse's write lock (infra/lock.py) writes its PID, command
and start into the lock file and empties it as it lets go, so that a process waiting for
the lock can say whom it waits for, and the app can say that a run is replacing the
figures it shows. Reading the record takes no lock: the app never stands in a writer's way.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_SINCE = "%Y-%m-%d %H:%M:%S UTC"


@dataclass(frozen=True)
class Writer:
    pid: int
    command: str
    since: datetime

    def __str__(self) -> str:
        return f"PID {self.pid} ({self.command}, since {self.since.strftime(_SINCE)})"


def lock_file_of(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def write(fd: int, command: str) -> None:
    """Record this process as the writer in the lock file open as `fd`."""
    since = datetime.now(UTC).strftime(_SINCE)
    record = json.dumps({"pid": os.getpid(), "command": command, "since": since})
    os.ftruncate(fd, 0)
    os.pwrite(fd, record.encode("utf-8"), 0)


def recorded(lock_file: Path) -> Writer | None:
    """The writer the lock file names; None when it is empty, unreadable or half written."""
    try:
        record = json.loads(lock_file.read_text(encoding="utf-8"))
        since = datetime.strptime(record["since"], _SINCE).replace(tzinfo=UTC)
        return Writer(int(record["pid"]), str(record["command"]), since)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def current_writer(warehouse: Path) -> Writer | None:
    """The process writing the warehouse now, or None. A record left by a writer that was
    killed before it could empty the file names a process that no longer exists."""
    writer = recorded(lock_file_of(warehouse))
    if writer is None:
        return None
    try:
        os.kill(writer.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, and another user's (the app may run as its own)
        pass
    return writer
