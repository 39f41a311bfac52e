"""Python's cyclic garbage collector, held off while a process makes what it keeps.

A run's start imports Dagster and dagster-dbt and loads the definitions: objects that
live as long as the process. The collector's passes over them while they were made took
0.7 to 0.9 s of a one-day run's main process, and every full pass after that walked
them again. So `driftsstatus run` pauses the collector for its start and, once the
definitions are loaded, moves everything made so far out of its sight (`gc.freeze`:
still freed when nothing refers to it, never walked for cycles) and resumes it. The dbt
server does the same around its import of dbt, before it forks a dbt command
(dbt_server.py), and the GX worker around its import of GX (quality/gx_worker.py).
"""

import gc


def pause() -> None:
    """Hold the collector off, in a process that calls `resume` once it has started."""
    gc.disable()


def resume() -> None:
    """After `pause`: freeze what was made meanwhile and collect again from here on.
    Nothing to do where the collector was not paused (a test calling the pipeline)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
