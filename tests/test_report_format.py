"""Danish formatting and the report's wording, without a warehouse (pure functions)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

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
    parse_month,
)
from dagster_project.report.render import FORMATS, UnsupportedFormatError, render
from dagster_project.report.restatement import Previous


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


@pytest.mark.parametrize("fmt", FORMATS)
def test_r15_every_format_renders_the_report(fmt):
    shown = render(_report(), fmt)
    assert isinstance(shown, bytes if fmt in ("xlsx", "pdf") else str)
    assert shown


def test_unknown_format_is_refused():
    with pytest.raises(
        UnsupportedFormatError,
        match="unknown format 'docx'; choose one of text, csv, json, xlsx, html, pdf",
    ):
        render(_report(), "docx")
