"""GX validation begun as a source's load ends, in a thread; its check collects it.

A load step yields a source's materialization as soon as its files are loaded, and
Dagster records it as one event per day partition (732 for a year of two daily sources:
most of a second of this process); the GX checks' step comes after the load steps.
Begun in a thread as each source's load ends, the validation (DuckDB writing the
samples, the GX worker validating them) runs in the meantime, on a connection of its
own, and the check waits only for what is left of it (a run at 200 services: the GX
step 1.5-1.8 s to 0.9-1.1 s). Only inside `allowed` (the load run of `driftsstatus
run`, executed in this process, which holds the warehouse open meanwhile: see
pipeline/run.py); a check with nothing begun validates itself, as in a run that
Dagster's daemon launches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

_begun: dict[str, Future] = {}
_pool: ThreadPoolExecutor | None = None


@contextmanager
def allowed() -> Iterator[None]:
    """Validations may begin early inside the block; each has ended at its end, collected
    or not (one that nobody collected has saved its outcomes, or nothing)."""
    global _pool
    _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx-early")
    try:
        yield
    finally:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
        _begun.clear()


def begin(source_name: str, validate: Callable[[], Any]) -> None:
    """Run `validate` for the source in the background, if allowed here."""
    if _pool is not None:
        _begun[source_name] = _pool.submit(validate)


def collect(source_name: str) -> Any | None:
    """What the source's begun validation returned (its exception raised here), once; None
    when none was begun."""
    begun = _begun.pop(source_name, None)
    return None if begun is None else begun.result()
