"""The app keeps serving the last good data while the pipeline runs, then the new data.

A real `driftsstatus run` loads one late change file into a copy of the sample warehouse
while the report page is rendered again and again: no render fails, none shows partial
data, and the swap to the new serving copy shows up once the run has finished.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dagster_project.settings import REPO_ROOT
from tests.helpers import copy_warehouse
from tests.processes import running
from tests.report_html import sla_cells

APP = REPO_ROOT / "app" / "streamlit_app.py"
LATE_CHANGE = (
    "change_id,area,environment,kind,deployed_at,summary\n"
    "CHG-2024-01-LATE,serviceplatformen,production,change,2024-01-15T10:00:00Z,Sen ændring\n"
)
BEFORE = "Der har i perioden været gennemført 10 ændringer/rettelser på Produktionsmiljøet."
AFTER = "Der har i perioden været gennemført 11 ændringer/rettelser på Produktionsmiljøet."


def _render(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> tuple[str, dict]:
    """One request for the January 2024 report: (the Serviceplatformen count, all figures)."""
    monkeypatch.setenv("DRIFTSSTATUS_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(str(APP), default_timeout=300)  # a busy machine renders slowly
    at.query_params["maaned"] = "2024-01"
    at.run()
    assert not at.exception, at.exception
    html = "\n".join(h.value for h in at.html)
    count = next(s for s in (BEFORE, AFTER) if s in html)
    cells, calls = sla_cells(html)
    return count, {**{k: c.text for k, c in cells.items()}, **calls}


def test_app_serves_the_last_good_copy_during_a_run_and_the_new_one_after(
    sample_run, sample_landing, tmp_path, monkeypatch
):
    source, _, _ = sample_run
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing, landing)
    (landing / "changes" / "changes-2024-01-late.csv").write_text(LATE_CHANGE, encoding="utf-8")
    warehouse = copy_warehouse(source, tmp_path / "warehouse.duckdb", serving=True)
    monkeypatch.delenv("DRIFTSSTATUS_AS_OF", raising=False)

    count, figures = _render(monkeypatch, warehouse)
    assert count == BEFORE
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    env.update(DRIFTSSTATUS_LANDING_DIR=str(landing), DRIFTSSTATUS_WAREHOUSE=str(warehouse))
    log = tmp_path / "run.log"  # a file, not a pipe: the run never waits on a full pipe
    with log.open("w") as output, running(
        [sys.executable, "-m", "dagster_project.cli", "run"],
        cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
    ) as run:  # fmt: skip
        seen = []
        while run.poll() is None:
            seen.append(_render(monkeypatch, warehouse))
    assert run.returncode == 0, log.read_text()[-3000:]
    assert len(seen) >= 3  # the page really was served while the run went on
    # Every render showed one whole copy: the old count or the new, never a mix or a gap.
    assert {count for count, _ in seen} <= {BEFORE, AFTER}
    assert all(shown == figures for _, shown in seen)
    assert _render(monkeypatch, warehouse) == (AFTER, figures)
