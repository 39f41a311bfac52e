"""Scratch folders for computing a report as of T: a full warehouse copy each.

A killed process (SIGKILL included) cannot remove its folder, so every folder
holds an flock on its `in-use.lock` while in use, and each new folder removes
the others whose lock can be taken. Read-only `report --recompute` takes no
warehouse lock, so two may run at once: a folder in use is never touched.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "driftsstatus-as-of-"
LOCK_NAME = "in-use.lock"
# A folder without a lock file may be one just made by mkdtemp; after this many
# seconds it is a leftover (of a kill right after mkdtemp, or of an older version).
UNLOCKED_GRACE = 60.0


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A new, locked scratch folder for the block; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    # Locked under another name, then renamed: the lock file appears already locked,
    # so no other process can ever take it in between.
    fd = os.open(folder / f".{LOCK_NAME}", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(folder / f".{LOCK_NAME}", folder / LOCK_NAME)
        remove_abandoned(folder.parent, keep=folder)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(fd)  # releases the flock


def remove_abandoned(parent: Path, keep: Path | None = None) -> list[Path]:
    """Remove the scratch folders under `parent` no live process uses; the ones removed."""
    removed = []
    for folder in sorted(parent.glob(f"{PREFIX}*")):
        if folder != keep and folder.is_dir() and _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _abandoned(folder: Path) -> bool:
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime > UNLOCKED_GRACE
        except FileNotFoundError:  # removed meanwhile by its owner
            return False
    except OSError:  # e.g. another user's folder: not ours to judge
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its process is alive and using it
    finally:
        os.close(fd)
    # Nobody reuses a folder once its owner is gone, so releasing the lock before the
    # removal lets no one in.
    return True
