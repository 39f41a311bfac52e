"""The rules on data no test was written for: random landing and reference data through
the real pipeline, every cell of the contract's three marts, every month's report, R14's
restatements and the declared response times and penalties, against an independent second
implementation of the rules (tests/rules_oracle.py; the data: tests/rules_scenario.py).

Seconds are compared to a microsecond (the pipeline sums doubles); the displayed
percentage, the verdict, the colour and every count exactly.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pytest

from dagster_project.report import build_report, render
from dagster_project.report.published import published_report
from dagster_project.settings import serving_copy_of
from tests.helpers import driftsstatus, pipeline_env, query
from tests.rules_oracle import (
    COPENHAGEN,
    Scenario,
    expected_cells,
    expected_operations,
    expected_penalties,
    expected_reports,
    expected_response_times,
    expected_service_calls,
    months_before,
    restatement_note,
)
from tests.rules_scenario import AS_OF, random_scenario, write_scenario

# name: (seed, T). The first, among the first seeds, holds every verdict and colour; the
# second is as of the second 02:30 of the night summer time ends (02:30:10+01:00), its
# month to date ending in the hour that came twice.
SCENARIOS = {
    "t_in_november": (4, AS_OF),
    "t_in_the_dst_hour_that_came_twice": (2, datetime(2024, 10, 27, 1, 30, 10, tzinfo=UTC)),
}
MAIN = "t_in_november"
# In MAIN, May 2024 published as of 3 June, then August as of 3 September: an incident
# version recorded between the two restates a May cell, which August's report marks; later
# ones restate two August cells, which every report after it marks. A report compares each
# cell with the latest publication before it that showed the cell.
PUBLICATIONS = (
    (date(2024, 5, 1), datetime(2024, 6, 3, 8, 0, tzinfo=COPENHAGEN)),
    (date(2024, 8, 1), datetime(2024, 9, 3, 8, 0, tzinfo=COPENHAGEN)),
)


@dataclass(frozen=True)
class Built:
    scenario: Scenario
    warehouse: Path


def _built(built_once, name: str) -> Built:
    """The scenario `name` through the real pipeline, once per test session."""
    seed, as_of = SCENARIOS[name]
    scenario = random_scenario(seed, as_of)

    def build(folder: Path) -> dict:
        landing, reference = write_scenario(scenario, folder, seed)
        warehouse = folder / "warehouse.duckdb"
        env = {
            **pipeline_env(landing, warehouse, as_of=as_of.isoformat()),
            "DRIFTSSTATUS_REFERENCE_DIR": str(reference),
        }
        driftsstatus("run", env=env)
        for month, published_as_of in PUBLICATIONS if name == MAIN else ():
            published = {**env, "DRIFTSSTATUS_AS_OF": published_as_of.isoformat()}
            driftsstatus("publish", "--month", f"{month:%Y-%m}", env=published)
        return {"warehouse": str(warehouse)}

    return Built(scenario, Path(built_once(f"rules-oracle-{name}", build)["warehouse"]))


@pytest.fixture(scope="module", params=list(SCENARIOS))
def oracle(request, built_once) -> Built:
    return _built(built_once, request.param)


@pytest.fixture(scope="module")
def main(built_once) -> Built:
    return _built(built_once, MAIN)


def _by_key(warehouse: Path, table: str, keys: tuple[str, ...], values: tuple[str, ...]) -> dict:
    rows = query(warehouse, f"select {', '.join(keys + values)} from marts.{table}")
    return {row[: len(keys)]: dict(zip(values, row[len(keys) :], strict=True)) for row in rows}


def test_r1_r10_every_availability_cell_agrees_with_an_independent_implementation(
    oracle,
):
    expected = expected_cells(oracle.scenario)
    columns = tuple(next(iter(expected.values())))
    cells = _by_key(oracle.warehouse, "fct_monthly_availability", ("service_id", "month"), columns)
    assert sorted(cells) == sorted(expected)  # R1, R6: February to the month holding T
    wrong = [
        f"{key} {name}: {cells[key][name]!r} where the rules give {value!r}"
        for key, want in sorted(expected.items())
        for name, value in want.items()
        if not _agrees(cells[key][name], value)
    ]
    assert not wrong, "\n".join(wrong)


def _agrees(got, want) -> bool:
    """Exact, but seconds and shares (the rules' exact fractions) to a microsecond."""
    if isinstance(want, Fraction) and got is not None:
        return abs(Fraction(got) - want) <= Fraction(1, 10**6)
    return got == want


def test_r11_r12_every_count_agrees_with_an_independent_implementation(oracle):
    operations = _by_key(
        oracle.warehouse,
        "fct_monthly_operations",
        ("area", "month"),
        ("changes", "service_windows", "late_service_windows"),
    )
    assert operations == expected_operations(oracle.scenario)
    calls = _by_key(
        oracle.warehouse,
        "fct_monthly_service_calls",
        ("area", "environment", "month"),
        ("calls", "failed_calls"),
    )
    assert calls == expected_service_calls(oracle.scenario)


# R13's sentences as the rules write them.
SATISFACTORY = "Den brugeroplevede driftsstabilitet har i perioden været tilfredsstillende."
NOT_SATISFACTORY = (
    "Den brugeroplevede driftsstabilitet har ikke været tilfredsstillende for perioden."
)


def test_r11_r13_r15_every_months_report_agrees_with_an_independent_implementation(
    oracle,
):
    """The report of each month (as `report --format json` gives it) against the rules:
    the rows in order with the month's target and twelve months of figures and colours,
    the verdict, the counts, the service calls and the incidents noted."""
    for month, expected in expected_reports(oracle.scenario).items():
        report = json.loads(render(build_report(serving_copy_of(oracle.warehouse), month), "json"))
        assert [a["area"] for a in report["areas"]] == list(expected)
        for area in report["areas"]:
            want = expected[area["area"]]
            got = {
                "rows": [
                    (
                        row["service_id"],
                        row["target_display"],
                        [(c["display"], c["status_colour"]) for c in row["cells"]],
                    )
                    for row in area["rows"]
                ],
                "verdict": area["verdict"],
                "counts": (area["changes"], area["service_windows"], area["late_service_windows"]),
                "calls": area["service_calls"] and [c["calls"] for c in area["service_calls"]],
                "incidents": {note["incident_id"] for note in area["notes"]},
            }
            assert got == {
                "rows": want["rows"],
                "verdict": SATISFACTORY if want["satisfactory"] else NOT_SATISFACTORY,
                "counts": (want["changes"], want["service_windows"], want["late_service_windows"]),
                "calls": want["calls"],
                "incidents": want["incidents"],
            }, (month, area["area"])


def test_declared_response_times_and_penalties_agree_with_an_independent_implementation(
    oracle,
):
    """Beyond availability, as the README defines them: per service-month with a
    response-time target, the checks counted, the nearest-rank fractiles, the share within
    the threshold and its verdict; per service-month with contract terms, the shortfall,
    the steps, the share and the amount of the penalty."""
    for table, expected in (
        ("fct_monthly_response_times", expected_response_times(oracle.scenario)),
        ("fct_monthly_penalties", expected_penalties(oracle.scenario)),
    ):
        columns = tuple(next(iter(expected.values())))
        found = _by_key(oracle.warehouse, table, ("service_id", "month"), columns)
        assert found == expected, table


def _published_displays(scenario: Scenario, publications) -> dict[tuple[str, date], str]:
    """(service, month) -> its display in the latest of `publications` that showed it (the
    rules as of that publication's instant)."""
    published = {}
    for month, as_of in publications:
        then = expected_cells(dataclasses.replace(scenario, as_of=as_of))
        for back in range(12):
            for service in scenario.services:
                key = (service["service_id"], months_before(month, back))
                published[key] = then.get(key, {}).get("availability_display", "n/a")
    return published


def _restated(scenario: Scenario, as_of: datetime, month: date, earlier: dict) -> dict:
    """Per area, the cells of `month`'s report as of `as_of` whose display differs from
    what the `earlier` publications showed."""
    cells = expected_cells(dataclasses.replace(scenario, as_of=as_of))
    shown = {months_before(month, back) for back in range(12)}
    changed: dict[str, set] = {s["area"]: set() for s in scenario.services}
    for service in scenario.services:
        for m in shown:
            key = (service["service_id"], m)
            now = cells.get(key, {}).get("availability_display", "n/a")
            if key in earlier and earlier[key] != now:
                changed[service["area"]].add(key)
    return changed


def _marks(report: dict) -> dict[str, tuple[set, str | None]]:
    """Per area of a report (as `report --format json` gives it), its marked cells and note."""
    return {
        area["area"]: (
            {
                (row["service_id"], date.fromisoformat(cell["month"] + "-01"))
                for row in area["rows"]
                for cell in row["cells"]
                if cell["restated"]
            },
            area["note"],
        )
        for area in report["areas"]
    }


def _expected_marks(changed: dict[str, set]) -> dict[str, tuple[set, str | None]]:
    return {
        area: (cells, restatement_note(sorted({m for _, m in cells})) if cells else None)
        for area, cells in changed.items()
    }


def test_r14_each_report_marks_the_cells_restated_since_the_latest_publication(main):
    """Every month's report from the first published one on marks exactly the cells whose
    display differs from the latest publication that showed them (the rules as of its
    instant against the rules as of T), and each area notes the months of its marks."""
    earlier = _published_displays(main.scenario, PUBLICATIONS)
    marked_anywhere = set()
    months = sorted({m for _, m in expected_cells(main.scenario) if m >= PUBLICATIONS[0][0]})
    for month in months:
        report = json.loads(render(build_report(serving_copy_of(main.warehouse), month), "json"))
        expected = _expected_marks(_restated(main.scenario, main.scenario.as_of, month, earlier))
        assert _marks(report) == expected, month
        marked_anywhere |= {area for area, (cells, _) in expected.items() if cells}
    assert marked_anywhere == {s["area"] for s in main.scenario.services}  # both areas


def test_r14_a_publication_marks_what_changed_since_the_one_before_it(main):
    """August's report as published (frozen) marks the May cell restated between May's
    publication and its own instant, and notes May."""
    (first, _), (month, as_of) = PUBLICATIONS
    _, frozen = published_report(serving_copy_of(main.warehouse), month)
    expected = _restated(
        main.scenario, as_of, month, _published_displays(main.scenario, [PUBLICATIONS[0]])
    )
    assert _marks(json.loads(render(frozen, "json"))) == _expected_marks(expected)
    assert {m for cells in expected.values() for _, m in cells} == {first}


def test_r1_r12_the_random_data_reaches_every_rule(main):
    """The comparisons above are only as strong as the data: every rule turns some cell,
    and every row kept the contract (none rejected)."""
    cells = expected_cells(main.scenario).values()
    colours = Counter(cell["status_colour"] for cell in cells)
    assert colours["green"] and colours["red"] and colours["yellow"] and colours[None], colours
    assert sum(1 for c in cells if c["yellow_seconds"] and c["red_seconds"]) > 5  # R7
    assert sum(1 for c in cells if c["excluded_seconds"] > 0) > 30  # R2, R3, R6
    assert sum(1 for c in cells if c["probe_coverage"] and c["probe_coverage"] < 1) > 50  # R4
    assert len({c["sla_target_pct"] for c in cells}) > 3  # R9: targets that change
    # R9: cells without a target in force, each warned of once.
    untargeted = sum(1 for c in cells if c["sla_target_pct"] is None)
    warned = "select failures from audit.data_test_results where test_name = ?"
    assert query(main.warehouse, warned, ["warn_service_month_without_sla_target"]) == [
        (untargeted,)
    ]
    assert untargeted
    operations = expected_operations(main.scenario).values()
    assert sum(o["changes"] for o in operations) > 20  # R12
    assert sum(o["service_windows"] for o in operations) > 5
    assert sum(o["late_service_windows"] for o in operations) > 5
    assert sum(c["calls"] for c in expected_service_calls(main.scenario).values()) > 0  # R11
    verdicts = Counter(
        area["satisfactory"]
        for report in expected_reports(main.scenario).values()
        for area in report.values()
    )
    assert verdicts[True] and verdicts[False], verdicts  # R13
    response = expected_response_times(main.scenario).values()
    assert Counter(r["target_met"] for r in response).keys() == {True, False, None}
    penalties = expected_penalties(main.scenario).values()
    assert Counter(p["penalty_amount"] is None or p["penalty_amount"] > 0 for p in penalties)[True]
    [(rejected,)] = query(main.warehouse, "select count(*) from audit.rejected_rows")
    assert rejected == 0
