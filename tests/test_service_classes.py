"""R2 service-time classes end to end: one system the feeds name `nemlog`, declared as
two report rows with their own hours and targets (`services.measured_as`), through the
real pipeline.

The landing folder is tests/landing_small plus one probe, down twice in February 2024:
Tuesday 13 February 10:00-10:30 UTC (11:00 local, inside the weekday hours) and Saturday
17 February 20:00-20:15 UTC (inside the weekend). Each outage counts in the class whose
hours it falls in, and nowhere else.
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dagster_project.reference import known_service_ids
from dagster_project.settings import DEFAULT_REFERENCE_DIR
from tests.helpers import LANDING_SMALL, SMALL_AS_OF, driftsstatus, pipeline_env, query

CLASSES = {
    "nemlog_weekdays": ("NemLog-in - hverdage 08:00-16:30", 11),
    "nemlog_weekend": ("NemLog-in - weekend", 12),
}
HOURS = """service_id,iso_weekday,start_local,end_local,closed_on
nemlog_weekdays,1,08:00:00,16:30:00,public
nemlog_weekdays,2,08:00:00,16:30:00,public
nemlog_weekdays,3,08:00:00,16:30:00,public
nemlog_weekdays,4,08:00:00,16:30:00,public
nemlog_weekdays,5,08:00:00,16:30:00,public
nemlog_weekend,6,00:00:00,00:00:00,
nemlog_weekend,7,00:00:00,00:00:00,
"""
# February 2024 has 21 weekdays (no public holiday) and 8 weekend days.
WEEKDAYS_SECONDS = 21 * int(8.5 * 3600)  # 642,600
WEEKEND_SECONDS = 8 * 86400  # 691,200


def _checks(start: str, minutes: int, feed: str = "nemlog", probe: str = "p1",
            status: str = "down") -> list[str]:  # fmt: skip
    first = datetime.fromisoformat(start)
    return [
        f"{(first + timedelta(minutes=m, seconds=5)).isoformat().replace('+00:00', 'Z')},"
        f"{feed},{probe},{status},"
        for m in range(minutes)
    ]


def _classes_run(folder: Path, class_checks: tuple[str, ...] = ()) -> dict:
    landing = shutil.copytree(LANDING_SMALL, folder / "landing")
    checks = _checks("2024-02-13T10:00:00+00:00", 30)
    checks += _checks("2024-02-17T20:00:00+00:00", 15)
    checks += class_checks
    (landing / "probe_checks" / "nemlog.csv").write_text(
        "checked_at,service_id,probe_id,status,response_ms\n" + "\n".join(checks) + "\n",
        encoding="utf-8",
    )
    reference = folder / "reference"
    shutil.copytree(DEFAULT_REFERENCE_DIR, reference)
    with (DEFAULT_REFERENCE_DIR / "services.csv").open(encoding="utf-8") as handle:
        services = list(csv.DictReader(handle))
    services += [
        {**services[0], "service_id": service_id, "label": label, "sort_order": order,
         "measured_as": "nemlog"}
        for service_id, (label, order) in CLASSES.items()
    ]  # fmt: skip
    # Without `degraded_impact`, as the contract allows (its default: 1.0 for every row).
    columns = [column for column in services[-1] if column != "degraded_impact"]
    with (reference / "services.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(services)
    (reference / "service_hours.csv").write_text(HOURS, encoding="utf-8")
    with (reference / "sla_targets.csv").open("a", encoding="utf-8") as handle:
        handle.writelines(f"{service_id},98.50,2020-01-01,\n" for service_id in CLASSES)
    warehouse = folder / "warehouse.duckdb"
    env = pipeline_env(landing, warehouse, as_of=SMALL_AS_OF)
    result = driftsstatus("run", env={**env, "DRIFTSSTATUS_REFERENCE_DIR": str(reference)})
    assert "Run succeeded." in result.stdout
    return {"warehouse": str(warehouse)}


@pytest.fixture(scope="module")
def classes_run(built_once) -> Path:
    return Path(built_once("classes", _classes_run)["warehouse"])


# During the weekday outage (p1 down under `nemlog` from 10:00 to 10:30), probes naming the
# weekday class itself: p2 and p3 up from 10:00 to 10:10, then p1 down and p2 up from 10:10
# to 10:15 (p1 is then one probe under both ids: down, and one of two is no majority).
BOTH_IDS_CHECKS = (
    *_checks("2024-02-13T10:00:00+00:00", 10, "nemlog_weekdays", "p2", "up"),
    *_checks("2024-02-13T10:00:00+00:00", 10, "nemlog_weekdays", "p3", "up"),
    *_checks("2024-02-13T10:10:00+00:00", 5, "nemlog_weekdays", "p1", "down"),
    *_checks("2024-02-13T10:10:00+00:00", 5, "nemlog_weekdays", "p2", "up"),
)


def test_r2_r4_probes_naming_the_system_and_a_class_vote_once_for_the_class(
    built_once,
):
    warehouse = Path(
        built_once("classes_both_ids", lambda f: _classes_run(f, BOTH_IDS_CHECKS))["warehouse"]
    )
    rows = query(
        warehouse,
        "select service_id, downtime_seconds, red_seconds from marts.fct_monthly_availability "
        "where service_id like 'nemlog%' and month = date '2024-02-01' order by service_id",
    )
    # Weekdays: down only from 10:15 to 10:30, where p1 is the one probe reporting. The
    # weekend class hears the system's id alone: its 15 minutes on Saturday, as before.
    assert rows == [("nemlog_weekdays", 900, 900), ("nemlog_weekend", 900, 900)]
    runs = query(
        warehouse,
        "select status, start_at, end_at from intermediate.int_probe_status_intervals "
        "where service_id = 'nemlog_weekdays' order by start_at",
    )
    tuesday = [(status, f"{start:%H:%M}", f"{end:%H:%M}") for status, start, end in runs]
    assert tuesday[:2] == [("up", "10:00", "10:15"), ("down", "10:15", "10:30")]


def test_r5_services_without_degraded_impact_weigh_a_degraded_minute_as_a_down_one(
    classes_run,
):
    impacts = query(classes_run, "select distinct degraded_impact from marts.dim_services")
    assert impacts == [(1.0,)]


def test_r2_the_feeds_may_name_the_system_a_class_is_measured_as(tmp_path):
    (tmp_path / "services.csv").write_text(
        "service_id,area,measured_as\na_day,x,a\na_night,x,a\nb,x,\n", encoding="utf-8"
    )
    assert known_service_ids(tmp_path) == ["a_day", "a_night", "b", "a"]


def test_r2_each_class_has_its_own_service_time_downtime_and_verdict(classes_run):
    rows = query(
        classes_run,
        "select service_id, service_seconds, downtime_seconds, red_seconds, "
        "availability_display, sla_target_pct, sla_met from marts.fct_monthly_availability "
        "where service_id like 'nemlog%' and month = date '2024-02-01' order by service_id",
    )
    assert rows == [
        # 100 * (1 - 1800 / 642600) = 99.7198...; 100 * (1 - 900 / 691200) = 99.8697...
        ("nemlog_weekdays", WEEKDAYS_SECONDS, 1800, 1800, "99,72%", 98.5, True),
        ("nemlog_weekend", WEEKEND_SECONDS, 900, 900, "99,87%", 98.5, True),
    ]


def test_r2_the_report_shows_one_row_per_class_and_none_for_the_system(classes_run):
    rows = query(
        classes_run,
        "select service_id, label from marts.dim_services where service_id like 'nemlog%' "
        "order by sort_order",
    )
    assert rows == [(service_id, label) for service_id, (label, _) in CLASSES.items()]
