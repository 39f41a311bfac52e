"""`driftsstatus run` holds the garbage collector off while it starts
(infra/collector.py); a test calling the pipeline in-process keeps its collector as is."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import gc
from dagster_project.infra import collector
made_before = [[] for _ in range(1000)]
collector.resume()  # not paused: nothing changes
print(gc.isenabled(), gc.get_freeze_count())
collector.pause()
made_while_paused = [[] for _ in range(1000)]
print(gc.isenabled())
collector.resume()
print(gc.isenabled(), gc.get_freeze_count() > 2000)
"""


def test_ops_the_collector_resumes_with_what_the_start_made_frozen_and_only_after_a_pause():
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["True 0", "False", "True True"]
