"""Danish formatting, the report's wording and the exact structure of every export format
(pure functions, on a hand-made report), and the January 2024 report of the sample data
in text, CSV, JSON and HTML against the golden reference (tests/golden, the same as
../shared/reference/; the XLSX and PDF of January are in test_exports.py)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dagster_project.report import danish
from dagster_project.report.model import (
    VERDICT_MET,
    VERDICT_MISSED,
    Area,
    CallsCell,
    CallsRow,
    Cell,
    Counts,
    Note,
    Report,
    ServiceRow,
    build_report,
    parse_month,
)
from dagster_project.report.render import FORMATS, UnsupportedFormatError, render
from dagster_project.report.restatement import Previous
from dagster_project.settings import serving_copy_of
from tests.report_html import HtmlCell, sla_cells
from tests.test_golden import _golden


def test_r9_target_percent_is_danish_with_two_decimals():
    assert danish.pct(Decimal("99.90")) == "99,90%"
    assert danish.pct("99.8") == "99,80%"
    assert danish.pct(100) == "100,00%"


def test_r9_formatting_refuses_to_round_a_figure():
    # Rounding (half-up) belongs to SQL; Python only formats exact values.
    with pytest.raises(ValueError, match="round it in SQL"):
        danish.pct(Decimal("99.815"))


def test_r11_thousands_separators_are_dots():
    assert danish.integer(198_196_122) == "198.196.122"
    assert danish.integer(161_779_154) == "161.779.154"
    assert danish.integer(999) == "999"
    assert danish.integer(1000) == "1.000"
    assert danish.integer(0) == "0"


def test_r15_month_labels_use_danish_abbreviations():
    labels = [danish.month_label(date(2023, m, 1)) for m in range(1, 13)]
    assert labels == [
        "jan-23", "feb-23", "mar-23", "apr-23", "maj-23", "jun-23",
        "jul-23", "aug-23", "sep-23", "okt-23", "nov-23", "dec-23",
    ]  # fmt: skip
    assert danish.month_label(date(2024, 1, 1)) == "jan-24"


def test_r15_month_names():
    assert danish.month_name(date(2024, 1, 1)) == "januar 2024"
    assert danish.month_name(date(2024, 1, 1), capitalised=True) == "Januar 2024"
    assert danish.month_name(date(2023, 3, 1)) == "marts 2023"
    assert danish.day_and_month(date(2024, 2, 3)) == "3. februar 2024"
    assert danish.day_and_month(date(2024, 2, 3), with_year=False) == "3. februar"


def test_r12_small_counts_are_words():
    assert danish.number_word(2, neuter=True) == "to"
    assert danish.number_word(1, neuter=True) == "et"
    assert danish.number_word(1) == "en"
    assert [danish.number_word(n) for n in (3, 4, 5, 6, 7, 8, 9, 10, 11, 12)] == [
        "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv",
    ]  # fmt: skip
    assert danish.number_word(13) == "13"
    assert danish.number_word(1500) == "1.500"


def test_join_words():
    assert danish.join_words(["november", "december 2023"]) == "november og december 2023"
    assert danish.join_words(["a", "b", "c"]) == "a, b og c"
    assert danish.join_words(["a"]) == "a"


def test_r12_counts_sentence_with_windows():
    assert Counts(32, 2, 0).sentence == (
        "Der har i perioden været gennemført 32 ændringer/rettelser og afviklet to "
        "servicevinduer i Produktionsmiljøet."
    )
    assert Counts(5, 1, 0).sentence.endswith("afviklet et servicevindue i Produktionsmiljøet.")


def test_r12_counts_sentence_without_windows():
    assert Counts(10, 0, 0).sentence == (
        "Der har i perioden været gennemført 10 ændringer/rettelser på Produktionsmiljøet."
    )
    assert Counts(1, 0, 0).sentence == (
        "Der har i perioden været gennemført 1 ændring/rettelse på Produktionsmiljøet."
    )


def test_r3_late_windows_are_mentioned():
    assert Counts(4, 0, 1).sentence.endswith(
        " Et servicevindue blev anmeldt efter starttidspunktet og er ikke trukket fra den "
        "aftalte servicetid."
    )


def test_parse_month():
    assert parse_month("2024-01") == date(2024, 1, 1)
    assert parse_month(date(2024, 1, 17)) == date(2024, 1, 1)
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month("januar")


# A hand-made two-month report: enough to pin the wording and every renderer.
JAN, DEC = date(2024, 1, 1), date(2023, 12, 1)


def _report(jan_met: bool = True, notes: tuple[Note, ...] = ()) -> Report:
    jan = (
        Cell(JAN, "100,00%", 100.0, "green", True)
        if jan_met
        else Cell(JAN, "89,98%", 89.9781, "yellow", False)
    )
    row = ServiceRow(
        "sp_m1", "SP produktionsmiljø m1", "produktionsmiljø", Decimal("99.80"), "99,80%",
        (Cell(DEC, "97,70%", 97.7049, "red", False), jan),
    )  # fmt: skip
    calls = CallsRow((CallsCell(DEC, 192_338_286, "192.338.286"), CallsCell(JAN, None, "n/a")))
    area = Area(
        area="serviceplatformen", name="Serviceplatformen",
        title="Serviceplatformen \u2013 januar 2024",
        table_heading="SERVICEPLATFOMEN brugeroplevet driftseffektivitet",
        rows=(row,), calls=calls, notes=notes, counts=Counts(10, 0, 0),
    )  # fmt: skip
    return Report(month=JAN, months=(DEC, JAN), areas=(area,))


NOTE = Note(
    incident_id="INC-1", service_code="SF1601", title="Afsend post", severity="yellow",
    status="resolved", started_at=datetime(2024, 1, 25, 10), ended_at=datetime(2024, 2, 3, 16),
    service_ids=("sp_m1",), description="Fejlen resulterede i ophobning af kvitteringer",
    cause="Årsagen var en fejl i MySQL-databasen.", resolution=None,
)  # fmt: skip


def test_r13_verdict_met_and_missed():
    assert _report(jan_met=True).areas[0].verdict == VERDICT_MET
    assert (
        VERDICT_MET == "Den brugeroplevede driftsstabilitet har i perioden været tilfredsstillende."
    )
    assert _report(jan_met=False).areas[0].verdict == VERDICT_MISSED
    assert VERDICT_MISSED == (
        "Den brugeroplevede driftsstabilitet har ikke været tilfredsstillende for perioden."
    )


def test_r10_missed_cells_carry_a_letter_besides_the_colour():
    cells = _report(jan_met=False).areas[0].rows[0].cells
    assert [c.text for c in cells] == ["97,70% R", "89,98% G"]
    assert Cell(JAN, "100,00%", 100.0, "green", True).text == "100,00%"
    assert Cell(JAN, "n/a", None, None, None).text == "n/a"
    earlier = Previous("97,78%", "2023-12#1", datetime(2026, 1, 4, tzinfo=UTC), ())
    assert Cell(JAN, "90,00%", 90.0, "yellow", False, previous=earlier).text == "90,00% G*"


def test_r15_notes_lead_and_note_wording():
    assert _report().areas[0].notes_lead == (
        "Infrastruktur- og applikationsdriften har i perioden kørt stabilt uden nævneværdige "
        "problemer."
    )
    area = _report(notes=(NOTE,)).areas[0]
    assert area.notes_lead == "Applikationsdriften har i perioden været påvirket af:"
    assert NOTE.heading == "SF1601 Afsend post"
    assert NOTE.period == "25. januar 2024 \u2013 3. februar 2024"
    assert NOTE.body == (
        "Fejlen resulterede i ophobning af kvitteringer. Årsagen var en fejl i MySQL-databasen."
    )


def test_r15_note_periods_open_and_within_a_day():
    open_note = Note(**{**NOTE.__dict__, "ended_at": None})
    assert open_note.period == "fra 25. januar 2024, fortsat åben"
    short = Note(**{**NOTE.__dict__, "ended_at": datetime(2024, 1, 25, 13, 30)})
    assert short.period == "25. januar 2024 kl. 10.00\u201313.30"


def test_r15_text_layout():
    text = render(_report(jan_met=False, notes=(NOTE,)), "text")
    lines = text.splitlines()
    assert lines[:5] == ["Driftsstatus", "", "Den fælleskommunale infrastruktur", "", "Januar 2024"]
    assert "Serviceplatformen \u2013 januar 2024" in lines
    assert "SERVICEPLATFOMEN brugeroplevet driftseffektivitet" in lines
    row = next(line for line in lines if line.startswith("SP produktionsmiljø m1"))
    assert row.split() == ["SP", "produktionsmiljø", "m1", "99,80%", "97,70%", "R", "89,98%", "G"]
    calls = next(line for line in lines if line.startswith("Antal servicekald i runde tal"))
    assert calls.split()[-3:] == ["n.a.", "192.338.286", "n/a"]
    header = next(line for line in lines if "SLA-Mål" in line)
    # Month labels end where the figures end, whatever marks follow them.
    assert header.index("jan-24") + len("jan-24") == row.index("89,98%") + len("89,98%")
    assert "RØD (R): system utilgængelig pga. fejl" in text
    assert "GUL (G): system tilgængelig, mgl. funktionalitet" in text
    assert "- SF1601 Afsend post (25. januar 2024 \u2013 3. februar 2024): Fejlen" in text
    assert "\x1b[" not in text


def test_text_colour_is_ansi_only_on_request():
    coloured = render(_report(jan_met=False), "text", colour=True)
    assert "\x1b[31m" in coloured and "\x1b[33m" in coloured
    assert "89,98% G" in coloured  # the letter stays with the colour


def test_r15_csv_has_one_row_per_service_month_plus_calls_and_counts():
    lines = render(_report(jan_met=False), "csv").splitlines()
    assert lines[0].startswith("report_month,area,row_type,service_id,label,month")
    assert (
        "2024-01,serviceplatformen,availability,sp_m1,SP produktionsmiljø m1,2024-01,jan-24,"
        '"89,98%",89.9781,99.80,yellow,false,false'
    ) in lines
    assert (
        "2024-01,serviceplatformen,service_calls,,Antal servicekald i runde tal,2023-12,dec-23,"
        "192.338.286,192338286,,,,"
    ) in lines
    assert "2024-01,serviceplatformen,changes,,,2024-01,jan-24,10,10,,,," in lines
    assert len(lines) == 1 + 2 + 2 + 3


def test_r15_json_carries_the_same_numbers():
    data = json.loads(render(_report(jan_met=False, notes=(NOTE,)), "json"))
    area = data["areas"][0]
    assert data["month_labels"] == ["dec-23", "jan-24"]
    assert area["rows"][0]["cells"][1] == {
        "month": "2024-01", "display": "89,98%", "availability_pct": 89.9781,
        "status_colour": "yellow", "sla_met": False, "restated": False,
    }  # fmt: skip
    assert area["service_calls"][0] == {
        "month": "2023-12",
        "calls": 192338286,
        "display": "192.338.286",
    }
    assert area["verdict"] == VERDICT_MISSED
    assert (area["changes"], area["service_windows"]) == (10, 0)
    assert area["notes"][0]["heading"] == "SF1601 Afsend post"


LEGEND = (
    "FORKLARING: RØD (R): system utilgængelig pga. fejl / GUL (G): system tilgængelig, mgl. "
    "funktionalitet / Infrastruktur: hardware/operativsystem / Applikation: software/program"
)
NOTE_LINE = (
    "SF1601 Afsend post (25. januar 2024 \u2013 3. februar 2024): Fejlen resulterede i ophobning "
    "af kvitteringer. Årsagen var en fejl i MySQL-databasen."
)
COUNTS_10 = "Der har i perioden været gennemført 10 ændringer/rettelser på Produktionsmiljøet."


def test_r15_the_formats_are_these_six():
    # Each has its exact-structure test below (text: test_r15_text_layout).
    assert FORMATS == ("text", "csv", "json", "xlsx", "html", "pdf")


def test_r15_csv_is_exactly_these_rows():
    assert render(_report(jan_met=False, notes=(NOTE,)), "csv").splitlines() == [
        "report_month,area,row_type,service_id,label,month,month_label,display,value,"
        "sla_target_pct,status_colour,sla_met,restated",
        "2024-01,serviceplatformen,availability,sp_m1,SP produktionsmiljø m1,2023-12,dec-23,"
        '"97,70%",97.7049,99.80,red,false,false',
        "2024-01,serviceplatformen,availability,sp_m1,SP produktionsmiljø m1,2024-01,jan-24,"
        '"89,98%",89.9781,99.80,yellow,false,false',
        "2024-01,serviceplatformen,service_calls,,Antal servicekald i runde tal,2023-12,dec-23,"
        "192.338.286,192338286,,,,",
        "2024-01,serviceplatformen,service_calls,,Antal servicekald i runde tal,2024-01,jan-24,"
        "n/a,,,,,",
        "2024-01,serviceplatformen,changes,,,2024-01,jan-24,10,10,,,,",
        "2024-01,serviceplatformen,service_windows,,,2024-01,jan-24,0,0,,,,",
        "2024-01,serviceplatformen,late_service_windows,,,2024-01,jan-24,0,0,,,,",
    ]


def test_r15_json_is_exactly_this_document():
    cell = {"sla_met": False, "restated": False}
    assert json.loads(render(_report(jan_met=False, notes=(NOTE,)), "json")) == {
        "report_month": "2024-01",
        "title": "Driftsstatus",
        "subtitle": "Den fælleskommunale infrastruktur",
        "period": "Januar 2024",
        "months": ["2023-12", "2024-01"],
        "month_labels": ["dec-23", "jan-24"],
        "legend": LEGEND,
        "areas": [
            {
                "area": "serviceplatformen",
                "title": "Serviceplatformen \u2013 januar 2024",
                "table_heading": "SERVICEPLATFOMEN brugeroplevet driftseffektivitet",
                "rows": [
                    {
                        "service_id": "sp_m1",
                        "label": "SP produktionsmiljø m1",
                        "sla_target_pct": 99.8,
                        "target_display": "99,80%",
                        "cells": [
                            {"month": "2023-12", "display": "97,70%", "availability_pct": 97.7049,
                             "status_colour": "red", **cell},
                            {"month": "2024-01", "display": "89,98%", "availability_pct": 89.9781,
                             "status_colour": "yellow", **cell},
                        ],
                    }
                ],
                "service_calls": [
                    {"month": "2023-12", "calls": 192338286, "display": "192.338.286"},
                    {"month": "2024-01", "calls": None, "display": "n/a"},
                ],
                "satisfactory": False,
                "verdict": VERDICT_MISSED,
                "notes_lead": "Applikationsdriften har i perioden været påvirket af:",
                "notes": [
                    {
                        "incident_id": "INC-1", "service_code": "SF1601", "title": "Afsend post",
                        "heading": "SF1601 Afsend post", "severity": "yellow",
                        "status": "resolved", "service_ids": ["sp_m1"],
                        "started_at": "2024-01-25T10:00:00", "ended_at": "2024-02-03T16:00:00",
                        "period": "25. januar 2024 \u2013 3. februar 2024",
                        "description": "Fejlen resulterede i ophobning af kvitteringer",
                        "cause": "Årsagen var en fejl i MySQL-databasen.", "resolution": None,
                    }
                ],
                "note": None,
                "changes": 10,
                "service_windows": 0,
                "late_service_windows": 0,
                "counts_sentence": COUNTS_10,
            }
        ],
    }  # fmt: skip


def test_r15_html_body_is_exactly_this_document():
    html = render(_report(jan_met=False, notes=(NOTE,)), "html")
    assert html.startswith('<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
                           "<title>Driftsstatus Januar 2024</title>\n<style>\n")  # fmt: skip
    body = html[html.index("<body>") :].splitlines()
    assert body == [
        "<body>",
        '<main class="ds-report">',
        '<header><h1>Driftsstatus</h1><p class="subtitle">Den fælleskommunale infrastruktur</p>'
        '<p class="period">Januar 2024</p></header>',
        '<section class="ds-area" data-area="serviceplatformen">',
        "<h2>Serviceplatformen \u2013 januar 2024</h2>",
        '<table class="ds-sla" data-area="serviceplatformen"><caption>SERVICEPLATFOMEN '
        'brugeroplevet driftseffektivitet</caption><thead><tr><th scope="col">Driftsområde</th>'
        '<th colspan="3">Produktion</th></tr><tr><th></th><th scope="col">SLA-Mål</th>'
        '<th scope="col">dec-23</th><th scope="col">jan-24</th></tr></thead><tbody>'
        '<tr data-service="sp_m1"><th scope="row">SP produktionsmiljø m1</th>'
        '<td class="target">99,80%</td>'
        '<td class="cell red" data-month="2023-12" data-colour="red" '
        'title="SP produktionsmiljø m1, 12.2023: 97,70% (rød)">97,70%'
        '<span class="marker">R</span></td>'
        '<td class="cell yellow" data-month="2024-01" data-colour="yellow" '
        'title="SP produktionsmiljø m1, 01.2024: 89,98% (gul)">89,98%'
        '<span class="marker">G</span></td>'
        '</tr><tr class="calls"><th scope="row">Antal servicekald i runde tal</th><td>n.a.</td>'
        '<td data-month="2023-12">192.338.286</td><td data-month="2024-01">n/a</td></tr>'
        "</tbody></table>",
        f'<p class="ds-legend">{LEGEND}</p>',
        f'<p class="ds-verdict missed">{VERDICT_MISSED}</p>',
        "<p>Applikationsdriften har i perioden været påvirket af:</p>",
        "<ul><li><strong>SF1601 Afsend post</strong> (25. januar 2024 \u2013 3. februar 2024): "
        "Fejlen resulterede i ophobning af kvitteringer. Årsagen var en fejl i MySQL-databasen."
        "</li></ul>",
        f'<p class="ds-counts">{COUNTS_10}</p>',
        "</section>",
        "</main>",
        "</body>",
        "</html>",
    ]


def test_r15_xlsx_is_exactly_this_sheet():
    book = load_workbook(io.BytesIO(render(_report(jan_met=False, notes=(NOTE,)), "xlsx")))
    assert book.sheetnames == ["Driftsstatus"]
    sheet = book["Driftsstatus"]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Driftsstatus", None, None, None],
        ["Den fælleskommunale infrastruktur", None, None, None],
        ["Januar 2024", None, None, None],
        [None, None, None, None],
        ["Serviceplatformen \u2013 januar 2024", None, None, None],
        ["SERVICEPLATFOMEN brugeroplevet driftseffektivitet", None, None, None],
        ["Driftsområde", "SLA-Mål", "dec-23", "jan-24"],
        ["SP produktionsmiljø m1", 0.998, 0.977, 0.8998],
        ["Antal servicekald i runde tal", "n.a.", 192338286, "n/a"],
        [None, None, None, None],
        [LEGEND, None, None, None],
        [VERDICT_MISSED, None, None, None],
        ["Applikationsdriften har i perioden været påvirket af:", None, None, None],
        [NOTE_LINE, None, None, None],
        [COUNTS_10, None, None, None],
    ]
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == [
        "A11:D11", "A12:D12", "A13:D13", "A14:D14", "A15:D15",
    ]  # fmt: skip


def test_r15_pdf_is_exactly_these_lines():
    pdf = PdfReader(io.BytesIO(render(_report(jan_met=False, notes=(NOTE,)), "pdf")))
    assert [page.extract_text().splitlines() for page in pdf.pages] == [
        [
            "Driftsstatus",
            "Den fælleskommunale infrastruktur",
            "Januar 2024",
            "Serviceplatformen \u2013 januar 2024",
            "SERVICEPLATFOMEN brugeroplevet driftseffektivitet",
            "Driftsområde SLA-Mål dec-23 jan-24",
            "SP produktionsmiljø m1 99,80% 97,70% R 89,98% G",
            "Antal servicekald i runde tal n.a. 192.338.286 n/a",
            LEGEND,
            VERDICT_MISSED,
            "Applikationsdriften har i perioden været påvirket af:",
            NOTE_LINE,
            COUNTS_10,
            "Driftsstatus \u2013 Januar 2024 \u2013 side 1 af 1",
        ]
    ]


# --- the January 2024 report of the sample data, against the golden reference -----------

JANUARY_LABELS = [
    "feb-23", "mar-23", "apr-23", "maj-23", "jun-23", "jul-23",
    "aug-23", "sep-23", "okt-23", "nov-23", "dec-23", "jan-24",
]  # fmt: skip
# R10: the cells of the 12 months that missed their target, with the letter shown.
JANUARY_MISSES = {
    ("ko_app", "2023-04"): "G", ("ko_infra", "2023-03"): "R", ("sdy_infra", "2023-03"): "R",
    ("sdy_infra", "2023-04"): "R", ("bf_infra", "2023-03"): "R", ("bf_infra", "2023-12"): "R",
    ("adgang_infra", "2023-03"): "R",
    ("sp_m1", "2023-02"): "G", ("sp_m1", "2023-03"): "R", ("sp_m1", "2023-05"): "R",
    ("sp_m1", "2023-06"): "G", ("sp_m1", "2023-07"): "R", ("sp_m1", "2023-09"): "G",
    ("sp_m1", "2023-10"): "R", ("sp_m1", "2023-11"): "R", ("sp_m1", "2023-12"): "G",
    ("sp_m1", "2024-01"): "G",
    ("sp_m2", "2023-02"): "G", ("sp_m2", "2023-03"): "G", ("sp_m2", "2023-05"): "R",
    ("sp_m2", "2023-06"): "G", ("sp_m2", "2023-07"): "R", ("sp_m2", "2023-09"): "G",
    ("sp_m2", "2023-10"): "R", ("sp_m2", "2023-11"): "G", ("sp_m2", "2023-12"): "G",
    ("sp_m2", "2024-01"): "G",
}  # fmt: skip
JANUARY_AREAS = {
    "stoettesystemer": (
        "Støttesystemerne \u2013 januar 2024",
        "STØTTESYSTEMER brugeroplevet driftseffektivitet",
        "Der har i perioden været gennemført 32 ændringer/rettelser og afviklet to "
        "servicevinduer i Produktionsmiljøet.",
    ),
    "serviceplatformen": (
        "Serviceplatformen \u2013 januar 2024",
        "SERVICEPLATFOMEN brugeroplevet driftseffektivitet",
        COUNTS_10,
    ),
}
JANUARY_NOTES = [
    "SF1525 Persondata Samling Hent (27. november 2023 \u2013 12. februar 2024)",
    "SF1601 Afsend post (fra 8. januar 2024, fortsat åben)",
    "SF1606 Modtag post (fra 16. januar 2024, fortsat åben)",
    "SF1601 Afsend post (25. januar 2024 \u2013 3. februar 2024)",
]


def _figure(golden_pct: str) -> str:
    """The golden '99.82' as the report prints it: '99,82%'."""
    return golden_pct.replace(".", ",") + "%"


def _shown(row: dict[str, str]) -> str:
    """A golden cell as printed, with its R/G letter when it missed its target."""
    letter = JANUARY_MISSES.get((row["service_id"], row["month"]))
    return _figure(row["availability_pct"]) + (f" {letter}" if letter else "")


def _calls() -> list[str]:
    return [
        f"{int(r['service_calls']):,}".replace(",", ".")
        for r in _golden("service-calls-2024-01.csv")
    ]


def _verdicts() -> dict[str, str]:
    return {
        r["area"]: VERDICT_MET if r["verdict"] == "satisfactory" else VERDICT_MISSED
        for r in _golden("operations-2024-01.csv")
    }


@pytest.fixture(scope="module")
def january(warehouse) -> Report:
    return build_report(serving_copy_of(warehouse), "2024-01")


def test_r9_r10_r15_text_of_january_2024_prints_the_golden_figures_labels_and_notes(january):
    lines = render(january, "text").splitlines()
    assert lines[:5] == ["Driftsstatus", "", "Den fælleskommunale infrastruktur", "", "Januar 2024"]
    golden = _golden("availability-2024-01.csv")
    for label in dict.fromkeys(r["label"] for r in golden):
        cells = [r for r in golden if r["label"] == label]
        (line,) = [line for line in lines if line.startswith(f"{label} ")]
        expected = [*label.split(), _figure(cells[0]["sla_target_pct"])]
        assert line.split() == expected + [w for r in cells for w in _shown(r).split()]
    assert [line.split() for line in lines if line.startswith("Driftsområde")] == [
        ["Driftsområde", "Produktion"]
    ] * 2
    assert [line.split() for line in lines if "SLA-Mål" in line] == [
        ["SLA-Mål", *JANUARY_LABELS]
    ] * 2
    (calls,) = [line for line in lines if line.startswith("Antal servicekald i runde tal")]
    assert calls.split()[5:] == ["n.a.", *_calls()]
    assert [line for line in lines if line.startswith("Den brugeroplevede")] == list(
        _verdicts().values()
    )
    for title, heading, counts in JANUARY_AREAS.values():
        assert {title, heading, counts} <= set(lines)
    notes = [line[2:].split(":")[0] for line in lines if line.startswith("- SF")]
    assert notes == JANUARY_NOTES
    assert lines.count(LEGEND) == 2


def test_r9_r11_r12_csv_of_january_2024_holds_every_golden_figure(january):
    rows = list(csv.DictReader(io.StringIO(render(january, "csv"))))
    assert {r["report_month"] for r in rows} == {"2024-01"}
    availability = {
        (r["service_id"], r["month"]): (r["label"], r["display"], r["sla_target_pct"])
        for r in rows
        if r["row_type"] == "availability"
    }
    assert availability == {
        (r["service_id"], r["month"]): (
            r["label"],
            _figure(r["availability_pct"]),
            r["sla_target_pct"],
        )
        for r in _golden("availability-2024-01.csv")
    }
    shown = [r for r in rows if r["row_type"] == "availability"]
    labels = {r["month"]: r["month_label"] for r in shown}
    assert labels == dict(zip(january_months(), JANUARY_LABELS, strict=True))
    missed = {
        (r["service_id"], r["month"]): r["status_colour"] for r in shown if r["sla_met"] != "true"
    }
    assert missed == {k: "red" if v == "R" else "yellow" for k, v in JANUARY_MISSES.items()}
    calls = [(r["area"], r["month"], r["value"]) for r in rows if r["row_type"] == "service_calls"]
    assert calls == [
        (r["area"], r["month"], r["service_calls"]) for r in _golden("service-calls-2024-01.csv")
    ]
    counts = {(r["area"], r["row_type"]): r["value"] for r in rows if r["row_type"] not in
              ("availability", "service_calls")}  # fmt: skip
    assert counts == {
        (area, kind): value
        for r in _golden("operations-2024-01.csv")
        for area in [r["area"]]
        for kind, value in (
            ("changes", r["changes"]), ("service_windows", r["service_windows"]),
            ("late_service_windows", "0"),
        )
    }  # fmt: skip
    assert len(rows) == 120 + 12 + 2 * 3


def january_months() -> list[str]:
    return [r["month"] for r in _golden("service-calls-2024-01.csv")]


def test_r13_r15_json_of_january_2024_holds_the_golden_figures_and_verdicts(january):
    data = json.loads(render(january, "json"))
    assert (data["report_month"], data["period"]) == ("2024-01", "Januar 2024")
    assert data["months"] == january_months()
    assert data["month_labels"] == JANUARY_LABELS
    assert [a["area"] for a in data["areas"]] == ["stoettesystemer", "serviceplatformen"]
    cells = {
        (row["service_id"], cell["month"]): (row["label"], row["target_display"], cell["display"])
        for area in data["areas"]
        for row in area["rows"]
        for cell in row["cells"]
    }
    assert cells == {
        (r["service_id"], r["month"]): (
            r["label"], _figure(r["sla_target_pct"]), _figure(r["availability_pct"]),
        )
        for r in _golden("availability-2024-01.csv")
    }  # fmt: skip
    by_area = {a["area"]: a for a in data["areas"]}
    assert [c["display"] for c in by_area["serviceplatformen"]["service_calls"]] == _calls()
    assert by_area["stoettesystemer"]["service_calls"] is None  # no service-call row (R15)
    for r in _golden("operations-2024-01.csv"):
        area = by_area[r["area"]]
        title, heading, counts = JANUARY_AREAS[r["area"]]
        assert (area["title"], area["table_heading"], area["counts_sentence"]) == (
            title, heading, counts,
        )  # fmt: skip
        assert (area["changes"], area["service_windows"]) == (
            int(r["changes"]), int(r["service_windows"]),
        )  # fmt: skip
        assert area["satisfactory"] is (r["verdict"] == "satisfactory")
        assert area["verdict"] == _verdicts()[r["area"]]
    assert [n["heading"] + f" ({n['period']})" for n in by_area["serviceplatformen"]["notes"]] == (
        JANUARY_NOTES
    )
    assert by_area["stoettesystemer"]["notes"] == []


def test_r9_r10_html_of_january_2024_shows_every_golden_cell_with_its_colour(january):
    html = render(january, "html")
    cells, calls = sla_cells(html)
    colours = {"R": "red", "G": "yellow"}
    assert cells == {
        (r["service_id"], r["month"]): HtmlCell(
            _shown(r).replace(" ", ""),
            colours.get(JANUARY_MISSES.get((r["service_id"], r["month"])), "green"),
            None,
        )
        for r in _golden("availability-2024-01.csv")
    }
    assert calls == dict(zip(january_months(), _calls(), strict=True))
    for title, heading, counts in JANUARY_AREAS.values():
        assert f"<h2>{title}</h2>" in html
        assert f"<caption>{heading}</caption>" in html
        assert f'<p class="ds-counts">{counts}</p>' in html
    verdicts = re.findall(r'<p class="ds-verdict (met|missed)">([^<]*)</p>', html)
    assert verdicts == [
        ("met" if verdict == VERDICT_MET else "missed", verdict) for verdict in _verdicts().values()
    ]


def test_unknown_format_is_refused():
    with pytest.raises(
        UnsupportedFormatError,
        match="unknown format 'docx'; choose one of text, csv, json, xlsx, html, pdf",
    ):
        render(_report(), "docx")
