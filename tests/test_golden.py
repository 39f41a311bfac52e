"""Golden test: the sample data reproduces the January 2024 report exactly."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

from tests.helpers import GOLDEN, driftsstatus, query


def _golden(name: str) -> list[dict[str, str]]:
    with (GOLDEN / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_r8_r9_all_120_availability_cells_match_the_seed(warehouse):
    expected = {
        (r["service_id"], r["month"]): r["availability_pct"]
        for r in _golden("availability-2024-01.csv")
    }
    rows = query(
        warehouse,
        "select service_id, strftime(month, '%Y-%m'), availability_pct, availability_display, "
        "sla_target_pct from marts.fct_monthly_availability where month >= date '2023-02-01' "
        "and month <= date '2024-01-01'",
    )
    actual = {(s, m): (pct, shown, target) for s, m, pct, shown, target in rows}
    assert set(actual) == set(expected)
    mismatches = []
    for key, figure in sorted(expected.items()):
        pct, shown, _ = actual[key]
        if shown != figure.replace(".", ",") + "%":
            mismatches.append((key, figure, shown, pct))
    assert mismatches == []


def test_r9_targets_match_the_seed(warehouse):
    expected = {
        r["service_id"]: Decimal(r["sla_target_pct"]) for r in _golden("availability-2024-01.csv")
    }
    rows = query(
        warehouse,
        "select distinct service_id, sla_target_pct from marts.fct_monthly_availability",
    )
    assert {s: Decimal(str(t)) for s, t in rows} == expected


def test_r11_service_calls_match_the_seed_exactly(warehouse):
    expected = {r["month"]: int(r["service_calls"]) for r in _golden("service-calls-2024-01.csv")}
    rows = query(
        warehouse,
        "select strftime(month, '%Y-%m'), sum(calls) from marts.fct_monthly_service_calls "
        "where area = 'serviceplatformen' group by all",
    )
    assert dict(rows) == expected


def test_r12_january_changes_and_windows_match_the_seed(warehouse):
    expected = {
        r["area"]: (int(r["changes"]), int(r["service_windows"]))
        for r in _golden("operations-2024-01.csv")
    }
    rows = query(
        warehouse,
        "select area, changes, service_windows from marts.fct_monthly_operations "
        "where month = date '2024-01-01'",
    )
    assert {area: (c, w) for area, c, w in rows} == expected


def test_r13_verdicts_match_the_seed(warehouse, sample_run):
    _, env, _ = sample_run
    report = json.loads(
        driftsstatus("report", "--month", "2024-01", "--format", "json", env=env).stdout
    )
    verdicts = {area["area"]: area["satisfactory"] for area in report["areas"]}
    expected = {
        r["area"]: r["verdict"] == "satisfactory" for r in _golden("operations-2024-01.csv")
    }
    assert verdicts == expected
    sentences = [area["verdict"] for area in report["areas"]]
    assert sentences == [
        "Den brugeroplevede driftsstabilitet har i perioden været tilfredsstillende.",
        "Den brugeroplevede driftsstabilitet har ikke været tilfredsstillende for perioden.",
    ]


def test_r15_text_report_lays_out_each_service_row_as_the_seed(sample_run):
    _, env, _ = sample_run
    text = driftsstatus("report", "--month", "2024-01", env=env).stdout
    lines = text.splitlines()
    assert lines[:4] == ["Driftsstatus", "", "Den fælleskommunale infrastruktur", ""]
    assert "Januar 2024" in lines
    header = next(line for line in lines if "SLA-Mål" in line).split()
    months = "feb-23 mar-23 apr-23 maj-23 jun-23 jul-23 aug-23 sep-23 okt-23 nov-23 dec-23 jan-24"
    assert header == ["SLA-Mål", *months.split()]
    by_label: dict[str, list[str]] = {}
    for row in _golden("availability-2024-01.csv"):
        by_label.setdefault(row["label"], [row["sla_target_pct"]]).append(row["availability_pct"])
    for label, figures in by_label.items():
        line = next(line for line in lines if line.startswith(label + " "))
        shown = [f for f in line[len(label) :].split() if f.endswith("%")]
        assert shown == [f.replace(".", ",") + "%" for f in figures], label
    calls = next(line for line in lines if line.startswith("Antal servicekald i runde tal"))
    assert calls.split()[-1] == "198.196.122"
    assert (
        "Der har i perioden været gennemført 32 ændringer/rettelser og afviklet to servicevinduer "
        "i Produktionsmiljøet." in lines
    )
    assert (
        "Der har i perioden været gennemført 10 ændringer/rettelser på Produktionsmiljøet." in lines
    )


def test_r15_csv_and_json_carry_the_same_figures_as_the_marts(sample_run):
    warehouse, env, _ = sample_run
    marts = {
        (service, month): shown
        for service, month, shown in query(
            warehouse,
            "select service_id, strftime(month, '%Y-%m'), availability_display "
            "from marts.fct_monthly_availability",
        )
    }
    rows = list(
        csv.DictReader(
            driftsstatus(
                "report", "--month", "2024-01", "--format", "csv", env=env
            ).stdout.splitlines()
        )
    )
    from_csv = {
        (r["service_id"], r["month"]): r["display"] for r in rows if r["row_type"] == "availability"
    }
    assert len(from_csv) == 120
    assert from_csv == {key: marts[key] for key in from_csv}
    report = json.loads(
        driftsstatus("report", "--month", "2024-01", "--format", "json", env=env).stdout
    )
    from_json = {
        (row["service_id"], cell["month"][:7]): cell["display"]
        for area in report["areas"]
        for row in area["rows"]
        for cell in row["cells"]
    }
    assert from_json == from_csv
