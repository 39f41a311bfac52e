"""GX validation begun while the load runs, in a thread; its check collects it.

A load step yields a source's materialization as soon as its files are loaded, and
Dagster records it as one event per day partition (732 for a year of two daily sources:
most of a second of this process); the GX checks' step comes after the load steps.
Begun in a thread, on connections of its own, the validation runs in the meantime: each
file's sample is written as soon as the file is loaded (`begin_sample`, while the loader
reads the next file), the validation proper as the source's load ends (`begin`), and
the check waits only for what is left of it (a run at 200 services: the GX step 1.5-1.8 s
to 0.9-1.1 s, the validation begun at the load's end; 0.16-0.34 s with the samples
written as the files load). Only inside `allowed` (the load run of `driftsstatus run`,
executed in this process, which holds the warehouse open meanwhile: see
pipeline/run.py); a check with nothing begun validates itself, as in a run that
Dagster's daemon launches.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_begun: dict[str, Future] = {}
_samples: dict[str, dict[str, Future]] = {}  # source -> file -> its sample being written
_pool: ThreadPoolExecutor | None = None
_scratch: Path | None = None  # where the samples are written


@contextmanager
def allowed() -> Iterator[None]:
    """Validations may begin early inside the block; each has ended at its end, collected
    or not (one that nobody collected has saved its outcomes, or nothing), and the
    samples written are gone."""
    global _pool, _scratch
    with tempfile.TemporaryDirectory(prefix="driftsstatus-gx-early-") as scratch:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx-early")
        _scratch = Path(scratch)
        try:
            yield
        finally:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = _scratch = None
            _begun.clear()
            _samples.clear()


def begin_sample(source_name: str, file: str, write: Callable[[str], Any]) -> None:
    """Write the file's sample in the background (`write(path)`), if allowed here."""
    if _pool is not None:
        files = _samples.setdefault(source_name, {})
        path = _scratch / f"{source_name}-{len(files)}.parquet"
        files[file] = _pool.submit(write, str(path))


def samples(source_name: str) -> dict[str, Any]:
    """The source's samples written so far, by file (one whose writing failed is left
    out: the validation writes it again, and says why it cannot)."""
    written = {}
    for file, future in _samples.get(source_name, {}).items():
        if future.done() and future.exception() is None:
            written[file] = future.result()
    return written


def begin(source_name: str, validate: Callable[[], Any]) -> None:
    """Run `validate` for the source in the background, if allowed here. The samples
    begun before it are written by then (one thread, in order)."""
    if _pool is not None:
        _begun[source_name] = _pool.submit(validate)


def collect(source_name: str) -> Any | None:
    """What the source's begun validation returned (its exception raised here), once; None
    when none was begun."""
    begun = _begun.pop(source_name, None)
    return None if begun is None else begun.result()
