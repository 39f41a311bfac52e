"""The Streamlit app on the pipeline's sample output (AppTest): every page, exact figures.

The app is given a warehouse path whose file does not exist and whose serving copy does, so
every figure on a page must come from the serving copy (the pipeline's file is never read).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dagster_project.infra.lock import warehouse_lock
from dagster_project.lock_record import lock_file_of, recorded
from dagster_project.report import build_report, danish, render
from dagster_project.report.model import NO_INCIDENTS, VERDICT_MET, VERDICT_MISSED
from dagster_project.report.run_status import MADE_TABLE, record_failed_run, run_status
from dagster_project.settings import REPO_ROOT, failed_run_record_of, serving_copy_of
from tests.helpers import GOLDEN, query
from tests.report_html import sla_cells

APP = REPO_ROOT / "app" / "streamlit_app.py"
LEGEND = "FORKLARING: RØD (R): system utilgængelig pga. fejl / GUL (G): system tilgængelig"


def _app(served: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("DRIFTSSTATUS_WAREHOUSE", str(served))
    monkeypatch.delenv("DRIFTSSTATUS_AS_OF", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    return at


@pytest.fixture(scope="module")
def page(served: Path):
    """The report page for January 2024, run once for the module."""
    with pytest.MonkeyPatch.context() as patch:
        at = _app(served, patch).run()
        assert not at.exception
        at.selectbox(key="maaned").set_value("2024-01").run()
        assert not at.exception
        yield at


def _html(at: AppTest) -> str:
    return "\n".join(h.value for h in at.html)


def _golden_figures() -> dict[tuple[str, str], str]:
    with (GOLDEN / "availability-2024-01.csv").open(encoding="utf-8") as handle:
        return {
            (r["service_id"], r["month"]): r["availability_pct"].replace(".", ",") + "%"
            for r in csv.DictReader(handle)
        }


def test_r15_page_shows_the_title_block_and_both_areas(page):
    html = _html(page)
    assert "<h1>Driftsstatus</h1>" in html
    assert '<p class="subtitle">Den fælleskommunale infrastruktur</p>' in html
    assert '<p class="period">Januar 2024</p>' in html
    assert "<h2>Støttesystemerne \u2013 januar 2024</h2>" in html
    assert "<h2>Serviceplatformen \u2013 januar 2024</h2>" in html
    assert "<caption>STØTTESYSTEMER brugeroplevet driftseffektivitet</caption>" in html
    assert html.count(f'<p class="ds-legend">{LEGEND}') == 2


def test_r9_all_120_figures_are_the_seeds(page):
    cells, _ = sla_cells(_html(page))
    shown = {key: cell.text.rstrip("RG*") for key, cell in cells.items()}
    assert shown == _golden_figures()


def test_r10_colour_is_the_marts_and_never_the_only_signal(page, served):
    cells, _ = sla_cells(_html(page))
    colours = dict(
        query(
            serving_copy_of(served),
            "select service_id || '|' || strftime(month, '%Y-%m'), status_colour "
            "from marts.fct_monthly_availability where month >= date '2023-02-01'",
        )
    )
    assert {f"{s}|{m}": c.colour for (s, m), c in cells.items()} == colours
    for cell in cells.values():
        expected_mark = {"green": "", "yellow": "G", "red": "R"}[cell.colour]
        assert cell.text.endswith("%" + expected_mark)
    assert cells["ko_app", "2023-04"].text == "99,82%G"
    assert cells["sp_m1", "2024-01"].colour == "yellow"


def test_r11_service_calls_row_has_danish_thousands(page):
    _, calls = sla_cells(_html(page))
    assert calls["2024-01"] == "198.196.122"
    assert calls["2023-02"] == "161.779.154"
    assert calls["2023-12"] == "192.338.286"
    assert len(calls) == 12


def test_r13_verdicts(page):
    html = _html(page)
    assert f'<p class="ds-verdict met">{VERDICT_MET}</p>' in html
    assert f'<p class="ds-verdict missed">{VERDICT_MISSED}</p>' in html


def test_r12_counts_sentences(page):
    html = _html(page)
    assert (
        "Der har i perioden været gennemført 32 ændringer/rettelser og afviklet to "
        "servicevinduer i Produktionsmiljøet."
    ) in html
    assert "Der har i perioden været gennemført 10 ændringer/rettelser på Produktionsmiljøet." in (
        html
    )


def test_r15_incident_notes(page):
    html = _html(page)
    assert f"<p>{NO_INCIDENTS}</p>" in html  # Støttesystemerne ran without incidents
    assert "<p>Applikationsdriften har i perioden været påvirket af:</p>" in html
    for heading in ("SF1525 Persondata Samling Hent", "SF1601 Afsend post", "SF1606 Modtag post"):
        assert f"<li><strong>{heading}</strong> (" in html, heading


def test_r15_page_and_exports_show_the_same_figures(page, served):
    """One report model, many faces: the page's tables are the HTML export's and the text's."""
    report = build_report(serving_copy_of(served), "2024-01")
    assert sla_cells(render(report, "html"))[0].keys() == sla_cells(_html(page))[0].keys()
    text = " ".join(render(report, "text").split())
    for area in report.areas:
        for row in area.rows:
            assert " ".join(c.text for c in row.cells) in text


def test_exports_offered_on_the_page(page):
    buttons = page.get("download_button")
    assert [b.proto.label for b in buttons] == ["CSV", "Excel (XLSX)", "HTML", "PDF (A4)"]


def test_app_reads_only_the_serving_copy_and_lets_go_of_it(page, served):
    assert not served.exists()  # the pipeline's file was never opened (it would be created)
    # A writer can open the serving copy now: the page holds no connection.
    with duckdb.connect(str(serving_copy_of(served))) as con:
        assert con.execute("select count(*) from marts.dim_services").fetchone() == (10,)


def test_ops_every_page_says_when_its_figures_were_computed_and_from_data_until_when(page, served):
    made_at = run_status(serving_copy_of(served), failed_run_record_of(served)).made_at
    assert made_at is not None
    assert page.caption[0].value == (
        f"Tallene er beregnet {danish.moment(made_at)}; "
        "data til og med 31. januar 2024 kl. 23.59."  # the sample's last probe check
    )
    assert not page.warning


def test_ops_a_run_that_failed_since_is_said_above_the_last_good_figures(
    served, tmp_path, monkeypatch
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(serving_copy_of(served), serving_copy_of(warehouse))
    made_at = run_status(serving_copy_of(warehouse), failed_run_record_of(warehouse)).made_at
    record = failed_run_record_of(warehouse)
    reason = "driftsstatus run failed: blocking checks failed: raw/probe_checks:gx_suite"
    # A failure recorded before the copy was made is history: no warning.
    record_failed_run(record, {"text": reason, "at": (made_at - timedelta(hours=1)).isoformat()})
    at = _app(warehouse, monkeypatch).run()
    assert not at.exception and not at.warning
    failed_at = made_at + timedelta(days=1, minutes=5)
    record_failed_run(record, {"text": reason, "at": failed_at.isoformat()})
    at = _app(warehouse, monkeypatch).run()
    assert [w.value for w in at.warning] == [
        f"Seneste kørsel fejlede {danish.moment(failed_at)}: {reason}. "
        f"Siden viser tallene fra kørslen {danish.moment(made_at)}."
    ]


def test_ops_a_run_writing_the_warehouse_now_is_said_above_the_figures_it_will_replace(
    served, tmp_path, monkeypatch
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(serving_copy_of(served), serving_copy_of(warehouse))
    with warehouse_lock(warehouse, timeout=5, what="driftsstatus run"):
        writer = recorded(lock_file_of(warehouse))
        at = _app(warehouse, monkeypatch).run()
    assert not at.exception and writer is not None
    assert [i.value for i in at.info] == [
        f"En kørsel er i gang siden {danish.moment(writer.since)}. Siden viser tallene fra "
        "den seneste færdige kørsel, til den nye er færdig."
    ]
    # Let go of: nothing is said. A record left by a writer killed before it could empty
    # the file names a process that is gone: nothing is said either.
    assert not _app(warehouse, monkeypatch).run().info
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    record = {
        "pid": int(gone.stdout),
        "command": "driftsstatus run",
        "since": "2026-12-07 06:00:00 UTC",
    }
    lock_file_of(warehouse).write_text(json.dumps(record), encoding="utf-8")
    at = _app(warehouse, monkeypatch).run()
    assert not at.exception and not at.info


def test_month_selector_offers_months_with_data_latest_first(page):
    select = page.selectbox(key="maaned")
    assert select.options[0] == "Januar 2024"
    assert select.options[-1] == "Februar 2023"
    assert len(select.options) == 12


def test_without_a_serving_copy_the_page_says_what_to_do(tmp_path, monkeypatch):
    at = _app(tmp_path / "warehouse.duckdb", monkeypatch).run()
    assert not at.exception
    assert [i.value for i in at.info] == ["Ingen data endnu: kør `driftsstatus run`."]
    assert not list(tmp_path.iterdir())


def test_r7_why_this_number_adds_up_to_the_cells_downtime(served, monkeypatch):
    """A link ?maaned=2024-01&celle=sp_m1:2023-11 opens the explanation of that cell."""
    at = _app(served, monkeypatch, maaned="2024-01", celle="sp_m1:2023-11").run()
    assert not at.exception
    cells, _ = sla_cells(_html(at))
    assert cells["sp_m1", "2023-11"].link == "?maaned=2024-01&celle=sp_m1:2023-11"
    assert {m.label: m.value for m in at.metric} == {
        "Tilgængelighed": "83,38%",
        "Aftalt servicetid": "720 t 0 min",
        "Uden for aftalt tid": "0 t 0 min",
        "Nedetid": "119 t 40 min",
        "Tid rød": "84 t 32 min",
        "Tid gul": "115 t 10 min",
    }
    intervals = at.dataframe[0].value
    assert list(intervals["Type"]) == ["Probe-udfald", "Probe-udfald", "Hændelse"]
    assert list(intervals["Reference"])[2] == "INC-2024-0007"
    assert list(intervals["Alvorlighed"]) == ["RØD", "GUL", "GUL"]
    assert list(intervals["Påvirkning"]) == ["100,0%", "100,0%", "8,0%"]
    assert list(intervals["Start"])[2] == "27.11.2023 09:00"  # Copenhagen time
    assert list(intervals["Nedetid (s)"]) == ["304.320,0", "101.400,0", "25.056,0"]
    assert at.caption[-1].value.startswith(
        "Intervallernes nedetid i alt: 430.776,0 s = cellens nedetid 430.776,0 s."
    )


def test_r5_a_service_window_explains_a_full_cell_with_no_downtime(page):
    page.selectbox(key="celle").set_value("ko_app:2024-01").run()
    assert not page.exception
    assert page.query_params["celle"] == "ko_app:2024-01"  # a link to share
    intervals = page.dataframe[0].value
    assert list(intervals["Type"]) == ["Servicevindue"]
    assert list(intervals["Reference"]) == ["SV-2024-01B"]
    assert list(intervals["Nedetid (s)"]) == ["0,0"]
    assert page.metric[0].value == "100,00%"


def test_trends_page_shows_targets_and_error_budget(served, monkeypatch):
    at = _app(served, monkeypatch).run()
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Udvikling"]
    assert len(at.get("vega_lite_chart")) == 1
    budget = at.dataframe[0].value
    assert budget.index[0] == "KO - applikation"
    assert (budget.columns[0], budget.columns[-1]) == ("feb-23", "jan-24")
    # KO - infrastruktur in March 2023: 95,85% against 99,90% leaves a negative budget.
    (expected,) = query(
        serving_copy_of(served),
        "select error_budget_seconds / 60 from marts.fct_monthly_availability "
        "where service_id = 'ko_infra' and month = date '2023-03-01'",
    )
    assert budget.loc["KO - infrastruktur", "mar-23"] == pytest.approx(expected[0])
    assert expected[0] < 0
    at.selectbox(key="omraade").set_value("serviceplatformen").run()
    assert list(at.dataframe[0].value.index) == ["SP produktionsmiljø m1", "SP produktionsmiljø m2"]


def test_incidents_page_filters_by_service_code_and_severity(served, monkeypatch):
    at = _app(served, monkeypatch).run()
    at.switch_page("app_pages/incidents.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Hændelser"]
    everything = at.dataframe[0].value
    at.multiselect[1].set_value(["SF1525"]).run()
    shown = at.dataframe[0].value
    assert set(shown["Hændelse"]) == {"INC-2024-0007"}
    assert set(shown["System"]) == {"SP produktionsmiljø m1", "SP produktionsmiljø m2"}
    assert shown["Start"].iloc[0] == "27.11.2023 09:00"
    at.multiselect[1].set_value([]).run()
    at.multiselect[2].set_value(["red"]).run()
    assert set(at.dataframe[0].value["Alvorlighed"]) <= {"RØD"}
    assert len(at.dataframe[0].value) < len(everything)


def test_quality_page_shows_rows_loaded_rejects_and_coverage(served, monkeypatch):
    at = _app(served, monkeypatch).run()
    at.switch_page("app_pages/quality.py").run()
    assert not at.exception
    ((files, rows),) = query(
        serving_copy_of(served), "select count(*), sum(rows_loaded) from audit.loaded_files"
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Filer indlæst"] == f"{files:,}".replace(",", ".")
    assert metrics["Rækker indlæst"] == f"{rows:,}".replace(",", ".")
    assert metrics["Rækker afvist"] == "0"
    assert metrics["Fejlede forventninger"] == "0"
    assert metrics["Filer fjernet"] == "0"
    coverage = at.dataframe[0].value
    assert coverage.loc["KO - applikation", "jun-23"] == pytest.approx(0.999769, abs=1e-6)
    assert "Ingen afviste rækker." in [m.value for m in at.markdown]
    assert "Ingen filer fjernet." in [m.value for m in at.markdown]


def test_quality_page_lists_the_dbt_warnings_of_the_last_build(served, monkeypatch):
    """The sample's three warnings (a change landed twice, a late service window, incidents
    open over 30 days) reach management as the run's summary names them: by the Danish
    labels of the dbt project, in their order, with the model and the number of rows
    found; passing tests are not listed."""
    at = _app(served, monkeypatch).run()
    at.switch_page("app_pages/quality.py").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Datatest ikke bestået"] == "3"
    warnings = at.dataframe[2].value
    assert warnings[["Test", "Model", "Status", "Rækker"]].values.tolist() == [
        ["Hændelse åben i over 30 dage", "fct_incidents", "advarsel", 3],
        ["Servicevindue varslet for sent", "int_service_windows", "advarsel", 1],
        ["Ændring modtaget to gange (tæller én gang)", "stg_operations__changes", "advarsel", 12],
    ]
    assert warnings["Besked"].isna().all()


PAGES = ("app_pages/report.py", "app_pages/trends.py", "app_pages/incidents.py",
         "app_pages/quality.py", "app_pages/published.py", "app_pages/penalties.py")  # fmt: skip


def test_r15_every_table_of_every_page_has_danish_headings(served, monkeypatch):
    """No code name (`label`, `rows_loaded`) as a column or row heading on any page."""
    code_name = re.compile(r"^[a-z][a-z0-9_]*$")
    checked = 0
    for path in PAGES:
        at = _app(served, monkeypatch, celle="sp_m1:2023-11").run()
        at.switch_page(path).run()
        assert not at.exception, path
        for shown in at.dataframe:
            frame = shown.value
            headings = [*frame.columns, frame.columns.name, *frame.index.names]
            named = [str(h) for h in headings if h is not None]
            assert not [h for h in named if code_name.match(h)], (path, named)
            checked += 1
    assert checked >= 6  # the interval, budget, incident, coverage, checks and files tables


def test_ops_the_serving_copy_holds_what_its_readers_read_and_all_of_it(warehouse):
    """The app's, the exports' and `report --recompute`'s schemas, every row of them; not
    the stage views and intermediate tables, which a build makes again."""
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as built (read_only)")
        con.execute(f"attach '{serving_copy_of(warehouse)}' as served (read_only)")

        def tables(database: str) -> set[tuple[str, str]]:
            return set(
                con.execute(
                    "select schema_name, table_name from duckdb_tables() "
                    "where database_name = ? union all select schema_name, view_name "
                    "from duckdb_views() where database_name = ? and not internal",
                    [database, database],
                ).fetchall()
            )

        built, served = tables("built"), tables("served")
        assert {schema for schema, _ in built} == {
            "raw", "seeds", "staging", "intermediate", "marts", "audit"
        }  # fmt: skip
        stamp = tuple(MADE_TABLE.split("."))  # and when it was made (report/run_status.py)
        assert served == {(s, t) for s, t in built if s in {"raw", "seeds", "marts", "audit"}} | {
            stamp
        }
        for schema, table in served - {stamp}:
            name = f'"{schema}"."{table}"'
            counts = [
                con.execute(f"select count(*) from {db}.{name}").fetchone()[0]
                for db in ("built", "served")
            ]
            assert counts[0] == counts[1], (name, counts)
        assert con.execute("select count(*) from served.raw.probe_checks").fetchone()[0] > 0
