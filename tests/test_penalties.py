"""Penalties (bod) end to end: tests/landing_small through the real pipeline with a reference
folder that gives two services contract terms, into fct_monthly_penalties, the report model,
the XLSX sheet, the app page and a frozen published report.

ko_infra (fee 12,345.67 DKK, step 0.10, 5 % per step, cap 30 %) shows 99,86% in February
2024 against 99,90%: 0.04 short, 1 started step, 5 %, 617.2835 -> 617.28 DKK; in March
(to date) 99,78%: 0.12 short, 2 steps, 10 %, 1,234.567 -> 1,234.57 DKK (half up). bf_app
(fee 10,000.00) meets its target in February (0.00 DKK) and shows 47,37% in March: 526
steps, capped at 30 %, 3,000.00 DKK.
"""

from __future__ import annotations

import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dagster_project.report.frozen import freeze, thaw
from dagster_project.report.model import build_report
from dagster_project.report.published import published_report
from dagster_project.report.render import render
from dagster_project.settings import DEFAULT_REFERENCE_DIR, REPO_ROOT, serving_copy_of
from tests.helpers import (
    LANDING_SMALL,
    SMALL_AS_OF,
    copy_warehouse,
    driftsstatus,
    pipeline_env,
    query,
)

TERMS = """service_id,monthly_fee,step_pct,share_per_step_pct,cap_pct,valid_from,valid_to
ko_infra,12345.67,0.10,5.00,30.00,2020-01-01,
bf_app,10000.00,0.10,5.00,30.00,2024-02-01,
"""


def _penalty_run(folder: Path) -> dict:
    landing = shutil.copytree(LANDING_SMALL, folder / "landing")
    reference = folder / "reference"
    reference.mkdir()
    for table in DEFAULT_REFERENCE_DIR.glob("*.csv"):
        shutil.copyfile(table, reference / table.name)
    (reference / "contract_terms.csv").write_text(TERMS, encoding="utf-8")
    warehouse = folder / "warehouse.duckdb"
    env = {
        **pipeline_env(landing, warehouse, as_of=SMALL_AS_OF),
        "DRIFTSSTATUS_REFERENCE_DIR": str(reference),
    }
    driftsstatus("run", env=env)
    return {"warehouse": str(warehouse), "env": env}


@pytest.fixture(scope="module")
def penalty_run(built_once) -> tuple[Path, dict[str, str]]:
    """The run's warehouse (its serving copy next to it) and the environment it ran with."""
    built = built_once("penalties", _penalty_run)
    return Path(built["warehouse"]), built["env"]


def test_penalty_per_started_step_capped_and_rounded_to_oere(penalty_run):
    rows = query(
        penalty_run[0],
        "select service_id, strftime(month, '%Y-%m'), availability_display, sla_met, "
        "shortfall_pct, steps, penalty_pct, penalty_amount from marts.fct_monthly_penalties "
        "order by 1, 2",
    )
    d = Decimal
    assert rows == [
        ("bf_app", "2024-02", "100,00%", True, d("0.00"), 0, d("0.00"), d("0.00")),
        ("bf_app", "2024-03", "47,37%", False, d("52.53"), 526, d("30.00"), d("3000.00")),
        ("ko_infra", "2024-02", "99,86%", False, d("0.04"), 1, d("5.00"), d("617.28")),
        ("ko_infra", "2024-03", "99,78%", False, d("0.12"), 2, d("10.00"), d("1234.57")),
    ]


def test_penalty_table_in_the_report_with_totals_and_frozen_with_it(penalty_run):
    march = build_report(serving_copy_of(penalty_run[0]), "2024-03")
    table = march.penalties
    assert table.heading == "Bod \u2013 marts 2024"
    assert table.rows[0].texts == (
        "feb-24", "KO - infrastruktur", "99,90%", "99,86%", "0,04 pp.", "0,10 pp.", "1", "5,00%",
        "30,00%", "12.345,67 kr.", "5,00%", "617,28 kr.",
    )  # fmt: skip
    assert [total for _, total in table.totals] == [Decimal("617.28"), Decimal("4234.57")]
    assert thaw(freeze(march)) == march


def test_penalty_sheet_in_xlsx_only_with_contract_terms(penalty_run):
    march = build_report(serving_copy_of(penalty_run[0]), "2024-03")
    book = load_workbook(io.BytesIO(render(march, "xlsx")))
    assert book.sheetnames == ["Driftsstatus", "Bod"]
    values = [list(row) for row in book["Bod"].iter_rows(values_only=True)]
    assert values[0][0] == "Bod \u2013 marts 2024"
    assert values[-1][0] == "I alt mar-24" and values[-1][-1] == "4.234,57 kr."


def test_penalty_page_shows_the_figures_and_the_totals(penalty_run, monkeypatch):
    monkeypatch.setenv("DRIFTSSTATUS_WAREHOUSE", str(penalty_run[0]))
    monkeypatch.delenv("DRIFTSSTATUS_AS_OF", raising=False)
    at = AppTest.from_file(str(REPO_ROOT / "app" / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/penalties.py").run()
    assert not at.exception
    figures, totals = at.dataframe
    shown = figures.value
    assert list(shown.columns)[-3:] == ["Månedligt vederlag", "Bod (%)", "Bod"]
    capped = shown[(shown["Driftsområde"] == "BF - applikation") & (shown["Trin"] == "526")]
    assert list(capped["Bod"]) == ["3.000,00 kr."]
    assert list(totals.value["Bod i alt"]) == ["617,28 kr.", "4.234,57 kr."]


def test_r14_published_penalties_are_frozen_with_the_report_and_marked_when_restated(
    penalty_run, tmp_path
):
    # On a copy: the restatement below changes the landing folder and the figures.
    landing = shutil.copytree(penalty_run[1]["DRIFTSSTATUS_LANDING_DIR"], tmp_path / "landing")
    warehouse = copy_warehouse(penalty_run[0], tmp_path / "warehouse.duckdb", serving=True)
    env = {
        **penalty_run[1],
        "DRIFTSSTATUS_LANDING_DIR": str(landing),
        "DRIFTSSTATUS_WAREHOUSE": str(warehouse),
    }
    driftsstatus("publish", "--month", "2024-02", "--as-of", SMALL_AS_OF, env=env)
    _, frozen = published_report(warehouse, "2024-02")
    amounts = {(r.service_id, r.month.month): r.amount for r in frozen.penalties.rows}
    assert amounts == {("ko_infra", 2): Decimal("617.28"), ("bf_app", 2): Decimal("0.00")}
    assert query(warehouse, "select service_id, display from published.penalties order by 1") == [
        ("bf_app", "0,00 kr."),
        ("ko_infra", "617,28 kr."),
    ]
    # An hour of ko_infra down on 20 February lands late: 3,600 s more downtime of
    # 2,505,600 takes February from 99,86% to 99,72%, 0.18 short: 2 steps, 10 %.
    late = [f"2024-02-20T10:{minute:02d}:00Z,ko_infra,late-1,down," for minute in range(60)]
    (landing / "probe_checks" / "late.csv").write_text(
        "checked_at,service_id,probe_id,status,response_ms\n" + "\n".join(late) + "\n",
        encoding="utf-8",
    )
    driftsstatus("run", env=env)
    table = build_report(serving_copy_of(warehouse), "2024-03").penalties
    february = {r.service_id: r for r in table.rows if r.month.month == 2}
    assert february["ko_infra"].texts[-1] == "1.234,57 kr.*"
    assert february["ko_infra"].previous.display == "617,28 kr."
    assert not february["bf_app"].restated
    assert table.note == "De tidligere oplyste bodsbeløb for februar 2024 er blevet opdateret."
