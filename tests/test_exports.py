"""The xlsx and pdf exports: the same figures, colours, letters and layout as the report."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dagster_project.report import render_pdf as pdf_module
from dagster_project.report.model import VERDICT_MET, VERDICT_MISSED, build_report
from dagster_project.report.render import FORMATS, MEDIA_TYPES, file_name, render
from dagster_project.report.restatement import Previous
from dagster_project.settings import serving_copy_of
from tests.helpers import driftsstatus
from tests.test_golden import _golden
from tests.test_report_format import NOTE, _report

FILLS = {"green": "FFC6EFCE", "yellow": "FFFFEB9C", "red": "FFFFC7CE"}
INKS = {"green": "FF006100", "yellow": "FF9C5700", "red": "FF9C0006"}
EARLIER = Previous("97,78%", "2023-12#1", datetime(2024, 1, 4, tzinfo=UTC), ())


def _restated_report():
    """The hand-made report with a yellow January, a note and a restated December."""
    report = _report(jan_met=False, notes=(NOTE,))
    area = report.areas[0]
    row = area.rows[0]
    cells = (replace(row.cells[0], previous=EARLIER), row.cells[1])
    area = replace(area, rows=(replace(row, cells=cells),), note="Tallet for december er rettet.")
    return replace(report, areas=(area,))


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data))["Driftsstatus"]


def _pdf_lines(data: bytes) -> list[str]:
    return [
        line
        for page in PdfReader(io.BytesIO(data)).pages
        for line in page.extract_text().splitlines()
    ]


def _rg(colour: str) -> str:
    """A fill colour as the PDF content stream sets it: 'ffc7ce' -> '1 0.7804 0.8078 rg'."""
    parts = (f"{v / 255:.4f}".rstrip("0").rstrip(".") for v in bytes.fromhex(colour))
    return " ".join(parts) + " rg"


def test_r9_xlsx_cells_are_the_displayed_figures_with_fill_and_letter():
    sheet = _sheet(render(_restated_report(), "xlsx"))
    label = next(row for row in sheet.iter_rows() if row[0].value == "SP produktionsmiljø m1")
    target, dec, jan = label[1:4]
    assert (target.value, target.number_format) == (0.998, "0.00%")
    # December missed (red, 'R') and was restated ('*'); January is yellow ('G').
    assert (dec.value, dec.number_format) == (0.977, '0.00%" R*"')
    assert (dec.fill.fgColor.rgb, dec.font.color.rgb) == (FILLS["red"], INKS["red"])
    assert "97,78%" in dec.comment.text and "2023-12#1" in dec.comment.text
    assert (jan.value, jan.number_format) == (0.8998, '0.00%" G"')
    assert (jan.fill.fgColor.rgb, jan.font.color.rgb) == (FILLS["yellow"], INKS["yellow"])
    calls = label[0].row + 1
    assert [c.value for c in sheet[calls][:4]] == [
        "Antal servicekald i runde tal", "n.a.", 192_338_286, "n/a",
    ]  # fmt: skip
    assert sheet.cell(calls, 3).number_format == "#,##0"


def test_r15_xlsx_layout_follows_the_printed_report():
    report = _restated_report()
    data = render(report, "xlsx")
    sheet = _sheet(data)
    column_a = [row[0].value for row in sheet.iter_rows() if row[0].value]
    assert column_a == [
        "Driftsstatus",
        "Den fælleskommunale infrastruktur",
        "Januar 2024",
        "Serviceplatformen \u2013 januar 2024",
        "SERVICEPLATFOMEN brugeroplevet driftseffektivitet",
        "Driftsområde",
        "SP produktionsmiljø m1",
        "Antal servicekald i runde tal",
        report.legend,
        VERDICT_MISSED,
        "Applikationsdriften har i perioden været påvirket af:",
        f"SF1601 Afsend post (25. januar 2024 \u2013 3. februar 2024): {NOTE.body}",
        "Tallet for december er rettet.",
        "Der har i perioden været gennemført 10 ændringer/rettelser på Produktionsmiljøet.",
    ]
    header = next(row for row in sheet.iter_rows() if row[0].value == "Driftsområde")
    assert [c.value for c in header] == ["Driftsområde", "SLA-Mål", "dec-23", "jan-24"]
    assert load_workbook(io.BytesIO(data)).properties.title == "Driftsstatus \u2013 Januar 2024"


def test_r15_pdf_layout_letters_colours_and_footer():
    data = render(_restated_report(), "pdf")
    lines = _pdf_lines(data)
    assert lines[:5] == [
        "Driftsstatus",
        "Den fælleskommunale infrastruktur",
        "Januar 2024",
        "Serviceplatformen \u2013 januar 2024",
        "SERVICEPLATFOMEN brugeroplevet driftseffektivitet",
    ]
    assert lines[5:8] == [
        "Driftsområde SLA-Mål dec-23 jan-24",
        "SP produktionsmiljø m1 99,80% 97,70% R* 89,98% G",
        "Antal servicekald i runde tal n.a. 192.338.286 n/a",
    ]
    assert _restated_report().legend in " ".join(lines)  # wrapped: the '*' item makes it long
    assert VERDICT_MISSED in lines
    assert "Tallet for december er rettet." in lines
    assert lines[-1] == "Driftsstatus \u2013 Januar 2024 \u2013 side 1 af 1"
    content = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    assert _rg("ffc7ce") in content and _rg("ffeb9c") in content


def test_r15_pdf_needs_the_dejavu_font_package(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_module, "FONT_DIR", tmp_path)
    with pytest.raises(pdf_module.MissingFontError, match="Debian package fonts-dejavu-core"):
        render(_report(), "pdf")


def test_r15_download_names_and_media_types():
    report = _report()
    assert file_name(report, "xlsx") == "driftsstatus-2024-01.xlsx"
    assert file_name(report, "text") == "driftsstatus-2024-01.txt"
    assert set(MEDIA_TYPES) == set(FORMATS)
    assert MEDIA_TYPES["pdf"] == "application/pdf"


# January 2024 from the sample warehouse, against the seed's golden figures.


@pytest.fixture(scope="module")
def january(warehouse):
    return build_report(serving_copy_of(warehouse), "2024-01")


@pytest.fixture(scope="module")
def january_pdf(january) -> bytes:
    return render(january, "pdf")


def test_r15_pdf_of_january_2024_shows_every_figure_per_row(january, january_pdf):
    lines = _pdf_lines(january_pdf)
    golden = _golden("availability-2024-01.csv")
    labels = {r["label"] for r in golden}
    shown = 0
    for label in labels:
        expected = [r for r in golden if r["label"] == label]
        figures = [f"{r['availability_pct'].replace('.', ',')}%" for r in expected]
        target = f"{expected[0]['sla_target_pct'].replace('.', ',')}%"
        line = next(line for line in lines if line.startswith(f"{label} "))
        # The R/G letters stand between the figures; the figures themselves come in order.
        words = [w for w in line.split() if w not in ("R", "G")]
        assert words == [*label.split(), target, *figures]
        shown += len(figures)
    assert shown == 120
    calls = [int(r["service_calls"]) for r in _golden("service-calls-2024-01.csv")]
    calls_line = "Antal servicekald i runde tal n.a. " + " ".join(
        f"{n:,}".replace(",", ".") for n in calls
    )
    assert calls_line in lines
    assert "198.196.122" in calls_line
    assert " ".join(["Driftsområde", "SLA-Mål", *january.month_labels]) in lines
    for row in _golden("operations-2024-01.csv"):
        area = next(a for a in january.areas if a.area == row["area"])
        verdict = VERDICT_MET if row["verdict"] == "satisfactory" else VERDICT_MISSED
        assert area.verdict == verdict and verdict in lines
        assert f"gennemført {row['changes']} ændringer/rettelser" in area.counts.sentence
        assert area.counts.sentence in lines
    assert lines[-1] == "Driftsstatus \u2013 Januar 2024 \u2013 side 2 af 2"


def test_r15_pdf_is_a4_landscape_and_reproducible(january, january_pdf):
    page = PdfReader(io.BytesIO(january_pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    assert render(january, "pdf") == january_pdf


def test_r9_xlsx_of_january_2024_holds_the_golden_figures_and_colours(january):
    sheet = _sheet(render(january, "xlsx"))
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    columns = {f"{m:%Y-%m}": index for index, m in enumerate(january.months, start=2)}
    colours = {
        (row.label, f"{c.month:%Y-%m}"): c.colour
        for area in january.areas
        for row in area.rows
        for c in row.cells
    }
    seen = {"green": 0, "yellow": 0, "red": 0}
    for r in _golden("availability-2024-01.csv"):
        cell = rows[r["label"]][columns[r["month"]]]
        assert cell.value == float(Decimal(r["availability_pct"]) / 100)
        colour = colours[(r["label"], r["month"])]
        assert cell.fill.fgColor.rgb == FILLS[colour]
        seen[colour] += 1
    assert sum(seen.values()) == 120 and all(seen.values())
    calls = rows["Antal servicekald i runde tal"][2:]
    assert [c.value for c in calls] == [
        int(r["service_calls"]) for r in _golden("service-calls-2024-01.csv")
    ]
    assert {c.number_format for c in calls} == {"#,##0"}


def test_r15_cli_writes_an_xlsx_report(sample_run, tmp_path):
    _, env, _ = sample_run
    out = tmp_path / "januar.xlsx"
    driftsstatus("report", "--month", "2024-01", "--format", "xlsx", "--output", str(out), env=env)
    sheet = _sheet(out.read_bytes())
    assert sheet["A1"].value == "Driftsstatus"
    assert any(row[0].value == "SP produktionsmiljø m1" for row in sheet.iter_rows())
