"""Reference data that the rules cannot read one way only stops the build at the seed,
naming the reference rule it breaks, and the app keeps the figures it had."""

from __future__ import annotations

import shutil

from dagster_project.settings import serving_copy_of
from tests.helpers import REPO_ROOT, SMALL_AS_OF, driftsstatus, pipeline_env, query

CELLS = "select service_id, month, availability_display from marts.fct_monthly_availability"


def test_r9_two_targets_in_force_on_one_day_stop_the_build_at_the_seed(small_site, tmp_path):
    landing, warehouse = small_site
    reference = shutil.copytree(REPO_ROOT / "dbt" / "seeds", tmp_path / "reference")
    # ko_app's 99.90 from 2020 on, and 99.50 from February 2024 as well: which applies?
    with (reference / "sla_targets.csv").open("a", encoding="utf-8") as targets:
        targets.write("ko_app,99.50,2024-02-01,\n")
    served = query(serving_copy_of(warehouse), CELLS)
    env = pipeline_env(landing, warehouse, as_of=SMALL_AS_OF)
    run = driftsstatus(
        "run", "--months", "2024-02..2024-02",
        env={**env, "DRIFTSSTATUS_REFERENCE_DIR": str(reference)}, check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert "  FAILED check seeds/sla_targets:row_rules_sla_targets\n" in run.stdout
    assert query(serving_copy_of(warehouse), CELLS) == served
