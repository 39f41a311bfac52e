"""The serving copy: the app's read-only snapshot of the warehouse after a good run."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from pathlib import Path

import duckdb


def publish_serving_copy(warehouse: Path, target: Path) -> Path:
    """Copy the warehouse to `target` atomically (write aside, then rename over).

    Readers of `target` see either the previous copy or the new one, never a
    half-written file, and never hold a lock on the file the pipeline writes. The
    caller holds the warehouse's write lock.
    """
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")
    prefix, suffix = f".{target.name}.", ".tmp"
    # Copies left by a killed writer: every writer holds the warehouse lock, so none
    # of them is still being written.
    for stale in target.parent.glob(f"{glob.escape(prefix)}*{suffix}"):
        stale.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
    os.close(handle)
    try:
        shutil.copyfile(warehouse, temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; readers run as other users
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
