"""The rules end to end: a small hand-written landing folder through the real pipeline.

The folder (tests/landing_small) holds one situation per rule; the run is as
of 2024-03-20 00:00 Copenhagen time, so March 2024 is month to date.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import SMALL_AS_OF, driftsstatus, mart_rows, pipeline_env, query

# The run (the session fixture small_run) is as of tests.helpers.SMALL_AS_OF.
FEB, MAR = "2024-02-01", "2024-03-01"
FEB_SECONDS = 29 * 86400
MAR_TO_DATE_SECONDS = 19 * 86400


def _cell(warehouse: Path, service_id: str, month: str) -> dict:
    columns = (
        "service_seconds, excluded_seconds, downtime_seconds, red_seconds, yellow_seconds, "
        "probe_coverage, availability_pct, availability_display, sla_met, status_colour"
    )
    rows = query(
        warehouse,
        f"select {columns} from marts.fct_monthly_availability "
        "where service_id = ? and month = cast(? as date)",
        [service_id, month],
    )
    assert len(rows) == 1, (service_id, month, rows)
    return dict(zip([c.strip() for c in columns.split(",")], rows[0], strict=True))


def test_r1_months_run_from_first_landed_data_to_the_as_of_month(small_run):
    warehouse, _ = small_run
    months = query(
        warehouse,
        "select distinct strftime(month, '%Y-%m') from marts.fct_monthly_availability order by 1",
    )
    assert months == [("2024-02",), ("2024-03",)]


def test_r6_the_as_of_month_is_reported_to_date_and_an_open_incident_lasts_until_as_of(small_run):
    cell = _cell(small_run[0], "bf_app", MAR)
    assert cell["service_seconds"] == MAR_TO_DATE_SECONDS
    assert cell["downtime_seconds"] == 10 * 86400  # from 10 March to the as-of instant
    assert cell["availability_display"] == "47,37%"
    assert cell["status_colour"] == "red"


def test_r6_a_cancelled_incident_removes_its_downtime(small_run):
    assert _cell(small_run[0], "adgang_app", FEB)["downtime_seconds"] == 0


def test_r7_an_incident_crossing_a_month_boundary_is_split_at_it(small_run):
    warehouse, _ = small_run
    assert _cell(warehouse, "ko_infra", FEB)["downtime_seconds"] == 3600
    assert _cell(warehouse, "ko_infra", MAR)["downtime_seconds"] == 3600


def test_r4_majority_of_probes_and_worst_check_per_probe_minute(small_run):
    cell = _cell(small_run[0], "sdy_app", FEB)
    # 10:00 two of three down; 10:01 one of three; 10:02 p1's worse check makes two of three.
    assert (cell["downtime_seconds"], cell["red_seconds"]) == (120, 120)


def test_r4_minutes_without_probe_data_lower_coverage_not_availability(small_run):
    cell = _cell(small_run[0], "ko_app", FEB)
    assert cell["downtime_seconds"] == 0
    assert cell["availability_display"] == "100,00%"
    assert cell["probe_coverage"] == pytest.approx(5 * 60 / FEB_SECONDS)


def test_r3_planned_window_is_excluded_and_late_window_is_not(small_run):
    cell = _cell(small_run[0], "bf_infra", FEB)
    assert cell["excluded_seconds"] == 7200
    assert cell["service_seconds"] == FEB_SECONDS - 7200
    assert cell["downtime_seconds"] == 1800  # only the outage inside the late window


def test_r5_r7_r10_red_inside_yellow_counts_once_at_the_largest_impact(small_run):
    cell = _cell(small_run[0], "adgang_infra", FEB)
    assert cell["downtime_seconds"] == pytest.approx(0.25 * 3600 + 1800)
    assert (cell["red_seconds"], cell["yellow_seconds"]) == (1800, 3600)
    assert cell["status_colour"] == "red"


def test_r11_calls_are_counted_in_the_copenhagen_month_of_their_hour(small_run):
    rows = query(
        small_run[0],
        "select environment, strftime(month, '%Y-%m'), calls, failed_calls "
        "from marts.fct_monthly_service_calls order by 1, 2",
    )
    assert rows == [
        ("m1", "2024-02", 100, 1),
        ("m1", "2024-03", 50, 0),
        ("m2", "2024-02", 0, 0),
        ("m2", "2024-03", 0, 0),
    ]


def test_r12_distinct_production_changes_and_planned_windows_per_month(small_run):
    rows = query(
        small_run[0],
        "select strftime(month, '%Y-%m'), changes, service_windows, late_service_windows "
        "from marts.fct_monthly_operations where area = 'stoettesystemer' order by 1",
    )
    assert rows == [("2024-02", 1, 1, 1), ("2024-03", 1, 0, 0)]


def test_bad_rows_are_rejected_and_counted_in_the_run_summary(small_run):
    warehouse, stdout = small_run
    reasons = query(
        warehouse, "select file, line_number, reason from audit.rejected_rows order by 1"
    )
    assert reasons == [
        ("probe_checks/checks.csv", 7, "checked_at: no UTC offset in '2024-02-01 00:05:05'"),
        ("service_calls/calls.csv", 4, "failed_calls: greater than calls"),
    ]
    assert "probe_checks     files 1/0/0  rows 15/1" in stdout


def test_warnings_are_listed_and_do_not_stop_the_run(small_run):
    _, stdout = small_run
    warnings = {
        line.split()[1] for line in stdout.splitlines() if line.strip().startswith("WARNING ")
    }
    assert warnings == {
        # Stale feeds as of 2024-03-20 (tests/test_freshness.py has their messages).
        "raw.changes",
        "raw.probe_checks",
        "raw.service_calls",
        "intermediate/int_service_windows:warn_late_service_window",
        "marts/fct_monthly_availability:warn_probe_coverage_below_99_pct",
        "staging/stg_operations__service_calls:warn_service_calls_missing_for_an_hour",
    }
    assert stdout.rstrip().splitlines()[-2] == "Run succeeded."


def test_r4_a_check_landed_twice_is_a_warning_and_changes_no_figure(small_site, small_run):
    """A resent file repeats one check (the same probe, service and instant) and adds one
    more check in a minute that already has one, at another second: the first is the
    probe checks' key landed twice (a warning, one row), the second is not; neither
    changes a figure (R4 takes the worst check per probe and minute)."""
    landing, warehouse = small_site
    (landing / "probe_checks" / "resent.csv").write_text(
        "checked_at,service_id,probe_id,status,response_ms\n"
        "2024-02-01T00:01:05+01:00,ko_app,p1,up,118\n"
        "2024-02-01T00:01:35+01:00,ko_app,p1,up,90\n",
        encoding="utf-8",
    )
    result = driftsstatus("run", env=pipeline_env(landing, warehouse, as_of=SMALL_AS_OF))
    warnings = [line for line in result.stdout.splitlines() if line.startswith("  WARNING ")]
    assert "  WARNING staging/stg_monitoring__probe_checks:warn_probe_check_landed_twice" in (
        warnings
    ), result.stdout
    assert (
        len(warnings)
        == len([line for line in small_run[1].splitlines() if line.startswith("  WARNING ")]) + 1
    ), result.stdout
    # The key landed twice, and only it: the other check shares a minute, not an instant.
    rows = query(
        warehouse,
        "select service_id, probe_id, checked_at, count(*) from raw.probe_checks "
        "group by all having count(*) > 1",
    )
    assert [(s, p, f"{at:%Y-%m-%d %H:%M:%S}", n) for s, p, at, n in rows] == [
        ("ko_app", "p1", "2024-01-31 23:01:05", 2)
    ]
    assert mart_rows(warehouse) == mart_rows(small_run[0])


def test_r6_two_versions_recorded_at_one_instant_in_two_files_are_a_warning(small_site, small_run):
    """R6 takes an incident's latest version; two recorded at the same instant in two
    files have no order from the register. The one in the file whose name sorts last is
    used, with a warning naming the incident; the same version resent is no warning."""
    landing, warehouse = small_site
    env = pipeline_env(landing, warehouse, as_of=SMALL_AS_OF)
    first = (landing / "incidents" / "incidents.jsonl").read_text(encoding="utf-8")
    version = first.splitlines()[0]  # I-OPEN as recorded on 10 March, open
    assert '"recorded_at": "2024-03-10T01:00:00+01:00"' in version
    resent = landing / "incidents" / "resent.jsonl"
    resent.write_text(version + "\n", encoding="utf-8")
    warning = (
        "  WARNING staging/stg_incidents__incident_versions:"
        "warn_incident_versions_recorded_at_one_instant"
    )
    same = driftsstatus("run", env=env)
    assert warning not in same.stdout.splitlines(), same.stdout
    assert _cell(warehouse, "bf_app", MAR)["downtime_seconds"] == 10 * 86400
    other = version.replace(
        '"ended_at": null, "status": "open"',
        '"ended_at": "2024-03-11T00:00:00+01:00", "status": "resolved"',
    )
    assert other != version
    resent.write_text(other + "\n", encoding="utf-8")
    warned = driftsstatus("run", env=env)
    assert warning in warned.stdout.splitlines(), warned.stdout
    assert _cell(warehouse, "bf_app", MAR)["downtime_seconds"] == 86400  # resent.jsonl's


def test_r6_a_rejected_version_that_would_be_in_force_is_a_warning(small_site, small_run):
    """The register resolves I-OPEN on 12 March with an end before its start, and sends a
    new incident whose one version has an unknown severity: the loader rejects both, the
    open version stays in force (down until T) and the new incident counts nothing. Each
    is named by a warning; a rejected version recorded after T is not (R6)."""
    landing, warehouse = small_site
    resolved = {
        "incident_id": "I-OPEN",
        "recorded_at": "2024-03-12T09:00:00+01:00",
        "service_ids": ["bf_app"],
        "severity": "red",
        "started_at": "2024-03-10T00:00:00+01:00",
        "ended_at": "2024-03-09T00:00:00+01:00",
        "status": "resolved",
    }
    lines = [
        resolved,
        {**resolved, "incident_id": "I-NEW", "severity": "purple", "ended_at": None},
        {**resolved, "incident_id": "I-CROSS", "recorded_at": "2024-03-25T09:00:00+01:00"},
    ]
    (landing / "incidents" / "late.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8"
    )
    result = driftsstatus("run", env=pipeline_env(landing, warehouse, as_of=SMALL_AS_OF))
    warning = "  WARNING staging/stg_incidents__incident_versions:warn_incident_version_rejected"
    assert warning in result.stdout.splitlines(), result.stdout
    assert _cell(warehouse, "bf_app", MAR)["downtime_seconds"] == 10 * 86400
    # dbt's summary of the warning: I-OPEN's and I-NEW's lines, not I-CROSS's (after T).
    log = (warehouse.parent / "logs" / "last-run.log").read_text(encoding="utf-8")
    summary = log.split("Warning in test warn_incident_version_rejected")[1]
    assert summary.splitlines()[1] == "Got 2 results, configured to warn if != 0", log[-3000:]


RESENT = {  # a row landed again, as it was and then with other figures
    "service_calls": (
        "period_start,environment,service_code,calls,failed_calls\n",
        "2024-02-29T22:00:00Z,m1,SF1601,100,1\n",
        "2024-02-29T22:00:00Z,m1,SF1601,90,1\n",
    ),
    "service_windows": (
        "window_id,service_id,starts_at,ends_at,announced_at,description\n",
        "W-PLANNED,bf_infra,2024-02-10T22:00:00+01:00,2024-02-11T00:00:00+01:00,"
        "2024-02-01T12:00:00+01:00,Planned\n",
        "W-PLANNED,bf_infra,2024-02-10T21:00:00+01:00,2024-02-11T00:00:00+01:00,"
        "2024-02-01T12:00:00+01:00,Planned\n",
    ),
}


@pytest.mark.parametrize(
    ("source", "warning"),
    [
        ("service_calls", "warn_service_calls_landed_twice"),  # R11 sums hours, not deliveries
        ("service_windows", "warn_service_window_landed_twice"),  # R3 excludes a window once
    ],
)
def test_r3_r11_a_row_landed_twice_counts_once_and_other_figures_for_it_stop_the_build(
    small_site, small_run, source, warning
):
    """A resent file repeats a row: it counts once, with a warning, and no figure changes.
    The same key with other figures (an hour's calls, a window's times) cannot both hold:
    the key test stops the build, and the marts keep their figures."""
    landing, warehouse = small_site
    env = pipeline_env(landing, warehouse, as_of=SMALL_AS_OF)
    header, same, other = RESENT[source]
    resent = landing / source / "resent.csv"
    resent.write_text(header + same, encoding="utf-8")
    result = driftsstatus("run", env=env)
    assert f"  WARNING staging/stg_operations__{source}:{warning}" in result.stdout.splitlines(), (
        result.stdout
    )
    assert query(
        warehouse, f"select count(*) from raw.{source} where _file like '%resent.csv'"
    ) == [(1,)]
    assert mart_rows(warehouse) == mart_rows(small_run[0])
    resent.write_text(header + other, encoding="utf-8")
    stopped = driftsstatus("run", env=env, check=False)
    assert stopped.returncode == 1
    key_test = f"stg_operations__{source}:row_rules_stg_operations__{source}"
    assert f"  FAILED check staging/{key_test}" in stopped.stdout.splitlines(), stopped.stdout
    assert mart_rows(warehouse) == mart_rows(small_run[0])
