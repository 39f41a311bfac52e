"""The reference data (the seeds and the staging views over them) is seeded again only
when it changed (dagster_project/infra/reference_build.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_project.settings import serving_copy_of
from tests.helpers import REPO_ROOT, SMALL_AS_OF, driftsstatus, pipeline_env, query

KO_APP_LABEL = "select label from marts.dim_services where service_id = 'ko_app'"


def _seeded(run: subprocess.CompletedProcess) -> list[str]:
    """The seeds the run's dbt build loaded, from its log."""
    (log,) = re.findall(r"^dbt log: (.+)$", run.stdout, re.M)
    return re.findall(r"OK loaded seed file seeds\.(\w+)", Path(log).read_text(encoding="utf-8"))


def test_ops_a_run_seeds_the_reference_data_again_only_when_it_changed(small_site, tmp_path):
    landing, warehouse = small_site
    # The project's reference data, as the small site was built from, in a folder of its own.
    reference = shutil.copytree(REPO_ROOT / "dbt" / "seeds", tmp_path / "reference")
    env = pipeline_env(landing, warehouse, as_of=SMALL_AS_OF)
    env["DRIFTSSTATUS_REFERENCE_DIR"] = str(reference)
    run = ("run", "--months", "2024-02..2024-02")
    unchanged = driftsstatus(*run, env=env)
    assert "Run succeeded." in unchanged.stdout
    assert _seeded(unchanged) == []
    # The build's marts are published all the same (no step waits for a seed).
    assert re.search(r"^Step times: .*serving_copy", unchanged.stdout, re.M)

    services = reference / "services.csv"
    services.write_text(
        services.read_text(encoding="utf-8").replace("KO - applikation", "KO - app"),
        encoding="utf-8",
    )
    changed = driftsstatus(*run, env=env)
    assert len(_seeded(changed)) == 7  # every seed, its tests with them
    assert query(serving_copy_of(warehouse), KO_APP_LABEL) == [("KO - app",)]

    # An analyst seeds the project's own services into the warehouse: the record of what
    # the warehouse holds goes, and the next run seeds the reference folder's again.
    seed = [str(Path(sys.executable).with_name("dbt")), "seed", "--select", "services"]
    analyst = subprocess.run(
        [*seed, "--profiles-dir", ".", "--target-path", str(tmp_path / "target")],
        cwd=REPO_ROOT / "dbt",
        env={**os.environ, "DRIFTSSTATUS_WAREHOUSE": str(warehouse)},
        capture_output=True,
        text=True,
    )
    assert analyst.returncode == 0, analyst.stdout[-3000:]
    assert query(warehouse, "select count(*) from audit.reference_data_build") == [(0,)]
    again = driftsstatus(*run, env=env)
    assert len(_seeded(again)) == 7
    assert query(serving_copy_of(warehouse), KO_APP_LABEL) == [("KO - app",)]
