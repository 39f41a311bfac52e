"""The Streamlit app on the pipeline's sample output: exact figures, and no lock on the warehouse.

The app is given a warehouse path whose file does not exist and whose serving copy does, so
every figure on the page must come from the serving copy (the pipeline's file is never read).
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dagster_project.report import build_report, render
from dagster_project.report.model import NO_INCIDENTS, VERDICT_MET, VERDICT_MISSED
from dagster_project.settings import REPO_ROOT, serving_copy_of

APP = REPO_ROOT / "app" / "streamlit_app.py"
JANUARY = date(2024, 1, 1)
SOURCES = {"green": "#c6efce", "yellow": "#ffeb9c", "red": "#ffc7ce"}


def _app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60)


@pytest.fixture(scope="module")
def served(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse path with only its serving copy present (a copy of the pipeline's)."""
    target = tmp_path_factory.mktemp("served") / "warehouse.duckdb"
    shutil.copyfile(serving_copy_of(warehouse), serving_copy_of(target))
    return target


@pytest.fixture(scope="module")
def page(served: Path):
    """The report page for January 2024, run once for the module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DRIFTSSTATUS_WAREHOUSE", str(served))
        patch.delenv("DRIFTSSTATUS_AS_OF", raising=False)
        at = _app().run()
        assert not at.exception
        at.selectbox(key="report_month").set_value(JANUARY).run()
        yield at


MONTHS = "feb-23 mar-23 apr-23 maj-23 jun-23 jul-23 aug-23 sep-23 okt-23 nov-23 dec-23 jan-24"


def _position(at: AppTest, heading: str) -> int:
    """Which dataframe on the page is the area's table (its index is named by the heading)."""
    return next(i for i, d in enumerate(at.dataframe) if d.value.index.name.startswith(heading))


def _table(at: AppTest, heading: str):
    return at.dataframe[_position(at, heading)].value


def _cell_backgrounds(at: AppTest, index: int) -> dict[tuple[int, int], str]:
    """(row, column) -> background colour, read from the Styler CSS the page sends."""
    styles = at.dataframe[index].proto.arrow_data.styler.styles
    found: dict[tuple[int, int], str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", styles):
        colour = re.search(r"background-color:\s*(#[0-9a-f]{6})", body)
        for row, col in re.findall(r"_row(\d+)_col(\d+)", selectors):
            if colour:
                found[int(row), int(col)] = colour.group(1)
    return found


def test_r15_page_shows_the_title_block_and_both_areas(page):
    assert not page.exception
    assert [t.value for t in page.title] == ["Driftsstatus"]
    assert "Den fælleskommunale infrastruktur" in page.markdown[0].value
    assert "Januar 2024" in page.markdown[0].value
    assert [s.value for s in page.subheader] == [
        "Støttesystemerne \u2013 januar 2024",
        "Serviceplatformen \u2013 januar 2024",
    ]


def test_r9_ko_applikation_april_2023_is_shown_as_in_the_seed(page):
    table = _table(page, "STØTTESYSTEMER brugeroplevet driftseffektivitet")
    assert list(table.columns) == ["SLA-Mål", *MONTHS.split()]
    assert table.loc["KO - applikation", "SLA-Mål"] == "99,90%"
    # Missed, so the figure carries its colour letter as well (R10).
    assert table.loc["KO - applikation", "apr-23"] in {"99,82% G", "99,82% R"}
    assert table.loc["KO - infrastruktur", "mar-23"].split()[0] == "95,85%"
    assert table.loc["KO - infrastruktur", "maj-23"] == "99,90%"
    assert table.loc["BF - infrastruktur", "dec-23"].split()[0] == "97,70%"
    assert list(table["jan-24"]) == ["100,00%"] * 8


def test_r10_cells_are_coloured_by_the_mart_status(page):
    table = _table(page, "STØTTESYSTEMER")
    colours = _cell_backgrounds(page, _position(page, "STØTTESYSTEMER"))
    row = list(table.index).index("KO - applikation")
    april = list(table.columns).index("apr-23")
    january = list(table.columns).index("jan-24")
    marker = table.loc["KO - applikation", "apr-23"].split()[1]
    assert colours[row, april] == SOURCES["yellow" if marker == "G" else "red"]
    assert colours[row, january] == SOURCES["green"]
    assert (row, 0) not in colours  # the target column is not a figure


def test_r11_service_calls_row_has_danish_thousands(page):
    table = _table(page, "SERVICEPLATFOMEN brugeroplevet driftseffektivitet")
    calls = table.loc["Antal servicekald i runde tal"]
    assert calls["SLA-Mål"] == "n.a."
    assert calls["jan-24"] == "198.196.122"
    assert calls["feb-23"] == "161.779.154"
    assert calls["dec-23"] == "192.338.286"
    assert table.loc["SP produktionsmiljø m1", "SLA-Mål"] == "99,80%"
    assert table.loc["SP produktionsmiljø m1", "jan-24"].split()[0] == "89,98%"
    assert table.loc["SP produktionsmiljø m2", "jan-24"].split()[0] == "90,19%"


def test_r13_verdicts(page):
    assert [s.value for s in page.success] == [VERDICT_MET]
    assert [w.value for w in page.warning] == [VERDICT_MISSED]
    assert (
        VERDICT_MET == "Den brugeroplevede driftsstabilitet har i perioden været tilfredsstillende."
    )
    assert VERDICT_MISSED == (
        "Den brugeroplevede driftsstabilitet har ikke været tilfredsstillende for perioden."
    )


def test_r12_counts_sentences(page):
    texts = [m.value for m in page.markdown]
    assert (
        "Der har i perioden været gennemført 32 ændringer/rettelser og afviklet to "
        "servicevinduer i Produktionsmiljøet."
    ) in texts
    assert (
        "Der har i perioden været gennemført 10 ændringer/rettelser på Produktionsmiljøet." in texts
    )


def test_r15_incident_notes(page):
    texts = [m.value for m in page.markdown]
    assert NO_INCIDENTS in texts  # Støttesystemerne ran without incidents in January 2024
    assert "Applikationsdriften har i perioden været påvirket af:" in texts
    notes = [t for t in texts if t.startswith("- **")]
    for heading in ("SF1525 Persondata Samling Hent", "SF1601 Afsend post", "SF1606 Modtag post"):
        assert any(t.startswith(f"- **{heading}**") for t in notes), heading


def test_app_reads_only_the_serving_copy_and_lets_go_of_it(page, served):
    assert not served.exists()  # the pipeline's file was never opened (it would be created)
    # A writer can open the serving copy now: the page holds no connection.
    with duckdb.connect(str(serving_copy_of(served))) as con:
        assert con.execute("select count(*) from marts.dim_services").fetchone() == (10,)


def test_month_selector_offers_months_with_data_latest_first(page):
    select = page.selectbox(key="report_month")
    assert "Januar 2024" in select.options
    assert "Februar 2023" in select.options
    assert select.options.index("Januar 2024") < select.options.index("Februar 2023")


def test_without_a_serving_copy_the_page_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("DRIFTSSTATUS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    at = _app().run()
    assert not at.exception
    assert [i.value for i in at.info] == ["Ingen data endnu: kør `driftsstatus run`."]
    assert not list(tmp_path.iterdir())


def test_r15_page_and_text_report_show_the_same_figures(page, served):
    """One report model, many faces: the page's tables are the text report's rows."""
    report = build_report(serving_copy_of(served), JANUARY)
    text = render(report, "text")
    for area in report.areas:
        table = _table(page, area.table_heading)
        for row in area.rows:
            assert list(table.loc[row.label])[1:] == [c.text for c in row.cells]
            assert " ".join(c.text for c in row.cells) in " ".join(text.split())
        assert area.verdict in text
        assert area.counts.sentence in text
    assert "198.196.122" in text
