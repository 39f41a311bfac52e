"""R14: published reports are frozen, reproducible, and later reports mark what changed."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import copy_warehouse, driftsstatus, query

DECEMBER_AS_OF = "2024-01-04T08:00:00+01:00"  # before the late SF1525 incident version
NOTE = "De tidligere oplyste SLA-tal for november og december 2023 er blevet opdateret."


def _published(folder: Path, sample_run) -> dict:
    warehouse, env, _ = sample_run
    copy_warehouse(warehouse, folder / warehouse.name, serving=True)
    env = {**env, "DRIFTSSTATUS_WAREHOUSE": str(folder / warehouse.name)}
    env["DRIFTSSTATUS_PUBLISHER"] = "driftsleder"
    result = driftsstatus("publish", "--month", "2023-12", "--as-of", DECEMBER_AS_OF, env=env)
    assert result.stdout.startswith("Published 2023-12#1 as of 2024-01-04T07:00:00+00:00")
    return {"warehouse": str(folder / warehouse.name), "env": env}


@pytest.fixture(scope="module")
def published(built_once, sample_run) -> tuple[Path, dict[str, str]]:
    """A copy of the sample warehouse with the December 2023 report published as of T0."""
    built = built_once("published", lambda folder: _published(folder, sample_run))
    return Path(built["warehouse"]), built["env"]


def test_r14_january_marks_exactly_the_serviceplatformen_november_and_december_cells(published):
    _, env = published
    report = json.loads(
        driftsstatus("report", "--month", "2024-01", "--format", "json", env=env).stdout
    )
    restated = {
        (row["service_id"], cell["month"])
        for area in report["areas"]
        for row in area["rows"]
        for cell in row["cells"]
        if cell["restated"]
    }
    assert restated == {
        ("sp_m1", "2023-11"), ("sp_m1", "2023-12"), ("sp_m2", "2023-11"), ("sp_m2", "2023-12")
    }  # fmt: skip
    notes = {area["area"]: area["note"] for area in report["areas"]}
    assert notes == {"stoettesystemer": None, "serviceplatformen": NOTE}
    text = driftsstatus("report", "--month", "2024-01", env=env).stdout
    assert text.count(NOTE) == 1


def test_r14_december_as_published_showed_the_figures_before_the_late_incident(published):
    _, env = published
    text = driftsstatus("report", "--month", "2023-12", "--as-published", env=env).stdout
    m1 = next(line for line in text.splitlines() if line.startswith("SP produktionsmiljø m1"))
    assert m1.split()[-4:] == ["84,35%", "R", "97,78%", "G"]


def test_r14_as_published_and_recomputed_are_byte_identical_and_the_hash_matches(published):
    warehouse, env = published
    frozen = driftsstatus("report", "--month", "2023-12", "--as-published", env=env).stdout
    recomputed = driftsstatus("report", "--month", "2023-12", "--recompute", env=env).stdout
    assert frozen == recomputed
    [(report_json, digest, who)] = query(
        warehouse, "select report_json, content_hash, published_by from published.reports"
    )
    assert hashlib.sha256(report_json.encode()).hexdigest() == digest
    assert who == "driftsleder"
    listed = driftsstatus("publish", "--list", env=env).stdout
    assert listed.startswith("2023-12#1  as of 2024-01-04T07:00:00+00:00  published ")
    assert f"by driftsleder  sha256 {digest[:12]}" in listed


def test_r14_the_app_shows_old_and_new_values_and_the_history(published, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from dagster_project.settings import REPO_ROOT

    _, env = published
    monkeypatch.setenv("DRIFTSSTATUS_WAREHOUSE", env["DRIFTSSTATUS_WAREHOUSE"])
    monkeypatch.delenv("DRIFTSSTATUS_AS_OF", raising=False)
    at = AppTest.from_file(str(REPO_ROOT / "app" / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.selectbox(key="maaned").set_value("2024-01").run()
    assert not at.exception
    assert sum(f'class="ds-restated">{NOTE}</p>' in h.value for h in at.html) == 1
    restated = [t.value for t in at.text if " → " in t.value]
    assert len(restated) == 4
    assert any(
        t.startswith("SP produktionsmiljø m1, nov-23: 84,35% → 83,38% (offentliggjort ")
        and "i 2023-12#1; ændret af INC-2024-0007 version 2 (12.02.2024))" in t
        for t in restated
    ), restated
    at.switch_page("app_pages/published.py").run()
    assert not at.exception
    history = at.dataframe[0].value
    assert list(history["Rapport"]) == ["2023-12#1"]
    assert list(history["Af"]) == ["driftsleder"]


def test_r14_a_published_month_is_immutable_without_a_reason_and_superseding_keeps_both(
    published, tmp_path
):
    # On a copy: it publishes again, which changes what the other tests compare with.
    warehouse = copy_warehouse(published[0], tmp_path / published[0].name, serving=True)
    env = {**published[1], "DRIFTSSTATUS_WAREHOUSE": str(warehouse)}
    same = driftsstatus("publish", "--month", "2023-12", "--as-of", DECEMBER_AS_OF, env=env)
    assert same.stdout.startswith("Already published, unchanged: 2023-12#1")
    later = ("publish", "--month", "2023-12", "--as-of", "2024-02-20T08:00:00+01:00")
    refused = driftsstatus(*later, env=env, check=False)
    assert refused.returncode == 2
    assert "2023-12 is already published (2023-12#1" in refused.stderr
    assert "--supersede --reason" in refused.stderr
    no_reason = driftsstatus(*later, "--supersede", env=env, check=False)
    assert no_reason.returncode == 2
    reason = "SF1525 fundet efter offentliggørelse"
    driftsstatus(*later, "--supersede", "--reason", reason, env=env)
    rows = query(
        warehouse,
        "select report_id, supersedes, reason from published.reports order by published_at",
    )
    assert rows == [("2023-12#1", None, None), ("2023-12#2", "2023-12#1", reason)]


def test_r14_another_instant_without_a_reason_is_refused_before_anything_is_computed(
    published, tmp_path
):
    """The refusal does not wait for the month to be computed again (a scratch build:
    seconds at scale): with no dbt settings at all it is the same refusal."""
    from dagster_project.publish.reports import publish_report
    from dagster_project.report.published import PublishError

    warehouse = copy_warehouse(published[0], tmp_path / published[0].name)
    later = datetime(2024, 2, 20, 7, tzinfo=UTC)
    with pytest.raises(PublishError) as refused:
        publish_report(warehouse, "2023-12", later, "driftsleder", dbt_env={})
    assert str(refused.value).startswith("2023-12 is already published (2023-12#1, ")
    assert str(refused.value).endswith('publish again with --supersede --reason "..."')
    assert query(warehouse, "select report_id from published.reports") == [("2023-12#1",)]


def test_ops_publishing_and_recomputing_load_neither_dagster_nor_dbt():
    """`publish` and `report --recompute` run dbt as a subprocess (infra/dbt_command.py):
    importing Dagster and dagster-dbt, and dbt with it, took 1.5 s of their start."""
    program = (
        "import sys; import dagster_project.publish.reports; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dagster', 'dagster_dbt', 'dbt'}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout
    assert loaded == "[]\n"
