"""Unattended operation: schedule ticks in Copenhagen time, the landing sensor, partitions."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._utils.schedules import schedule_execution_time_iterator

from dagster_project.defs.partitions import RANGE_END_TAG, RANGE_START_TAG
from dagster_project.defs.resources import LandingFolder, ServingCopy
from dagster_project.defs.schedules import monthly_report_draft, nightly_load
from dagster_project.defs.sensors import sensors_for
from dagster_project.settings import serving_copy_of
from tests.helpers import REPO_ROOT, copy_warehouse

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
SMALL_LANDING = REPO_ROOT / "tests" / "landing_small"


def _ticks(schedule: dg.ScheduleDefinition, after: datetime, count: int) -> list[datetime]:
    """The scheduler's own tick times (the daemon uses the same iterator), in UTC."""
    ticks = schedule_execution_time_iterator(
        after.timestamp(), schedule.cron_schedule, schedule.execution_timezone
    )
    return [next(ticks).astimezone(UTC) for _ in range(count)]


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_r1_nightly_load_ticks_at_two_copenhagen_time_across_spring_forward():
    ticks = _ticks(nightly_load, _utc(2024, 3, 29, 12), 3)
    # 02:00 CET is 01:00Z; on 31 March 02:00 does not exist and the run starts at 03:00
    # CEST, the same instant; from 1 April 02:00 CEST is 00:00Z.
    assert ticks == [_utc(2024, 3, 30, 1), _utc(2024, 3, 31, 1), _utc(2024, 4, 1, 0)]
    local = [f"{t.astimezone(COPENHAGEN):%d.%m %H:%M}" for t in ticks]
    assert local == ["30.03 02:00", "31.03 03:00", "01.04 02:00"]


def test_r1_nightly_load_ticks_once_on_the_autumn_day_with_two_2_oclocks():
    ticks = _ticks(nightly_load, _utc(2024, 10, 26, 12), 2)
    # 27 October has 02:00 CEST (00:00Z) and 02:00 CET (01:00Z): one run, at the second.
    assert ticks == [_utc(2024, 10, 27, 1), _utc(2024, 10, 28, 1)]
    assert [f"{t.astimezone(COPENHAGEN):%d.%m %H:%M %Z}" for t in ticks] == [
        "27.10 02:00 CET",
        "28.10 02:00 CET",
    ]


def test_r1_monthly_draft_ticks_on_the_first_at_six_copenhagen_time():
    ticks = _ticks(monthly_report_draft, _utc(2024, 2, 15), 3)
    assert ticks == [_utc(2024, 3, 1, 5), _utc(2024, 4, 1, 4), _utc(2024, 5, 1, 4)]


def test_r14_monthly_draft_requests_the_month_just_ended():
    tick = datetime(2024, 4, 1, 6, tzinfo=COPENHAGEN)
    request = monthly_report_draft(dg.build_schedule_context(scheduled_execution_time=tick))
    assert request.partition_key == "2024-03-01"
    assert request.run_key == "draft-2024-03"


def test_r6_nightly_load_reloads_the_month_in_progress_and_the_one_before():
    tick = datetime(2024, 1, 1, 2, tzinfo=COPENHAGEN)
    request = nightly_load(dg.build_schedule_context(scheduled_execution_time=tick))
    # Day partitions; the build of both months follows the load (build_after_load).
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (
        "2023-12-01",
        "2024-01-31",
    )


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DRIFTSSTATUS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    folder = tmp_path / "landing"
    shutil.copytree(SMALL_LANDING, folder)
    return folder


def _evaluate(landing: Path, cursor: str | None):
    serving = serving_copy_of(landing.parent / "warehouse.duckdb")
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={
            "landing": LandingFolder(path=str(landing)),
            "serving": ServingCopy(path=str(serving)),
        },
    )
    (sensor,) = [s for s in sensors_for(60) if s.name == "landing_files"]
    return sensor(context), context.cursor


def test_sensor_requests_a_new_file_once_and_an_unchanged_file_never(landing):
    first, cursor = _evaluate(landing, None)
    assert isinstance(first, dg.RunRequest)
    names = set(json.loads(cursor))
    assert names == {p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file()}

    again, same_cursor = _evaluate(landing, cursor)
    assert isinstance(again, dg.SkipReason)
    assert same_cursor == cursor

    # Touched but unchanged: same name and hash, still nothing to do.
    some_file = next(p for p in sorted(landing.rglob("*.csv")))
    some_file.write_bytes(some_file.read_bytes())
    touched, _ = _evaluate(landing, cursor)
    assert isinstance(touched, dg.SkipReason)

    late = landing / "changes" / "late-2024-03.csv"
    late.write_text(
        "change_id,area,environment,kind,deployed_at,summary\n"
        "CHG-LATE,serviceplatformen,production,fix,2024-03-10T09:00:00Z,Rettelse\n",
        encoding="utf-8",
    )
    new, new_cursor = _evaluate(landing, cursor)
    assert isinstance(new, dg.RunRequest)
    # Only the days of the month the new file bears on are loaded (then that month built).
    assert (new.tags[RANGE_START_TAG], new.tags[RANGE_END_TAG]) == ("2024-03-01", "2024-03-31")
    assert new.run_key != first.run_key
    assert isinstance(_evaluate(landing, new_cursor)[0], dg.SkipReason)


def test_sensor_rebuilds_every_month_when_a_file_is_removed(landing):
    _, cursor = _evaluate(landing, None)
    next(landing.rglob("*.csv")).unlink()
    request, _ = _evaluate(landing, cursor)
    assert request.tags[RANGE_START_TAG] == "2020-01-01"


def test_r15_monthly_report_job_drafts_the_month_from_fresh_data(
    sample_run, sample_landing, tmp_path, monkeypatch
):
    """What the 1st-of-the-month schedule runs: load, build January 2024, publish, draft."""
    from dagster_project.definitions import defs
    from dagster_project.report import build_report, render
    from dagster_project.settings import serving_copy_of

    source, _, _ = sample_run
    warehouse = copy_warehouse(source, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("DRIFTSSTATUS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("DRIFTSSTATUS_LANDING_DIR", str(sample_landing))
    monkeypatch.delenv("DRIFTSSTATUS_AS_OF", raising=False)
    job = defs().resolve_job_def("monthly_report")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, partition_key="2024-01-01")
    assert result.success
    drafts = tmp_path / "reports"
    assert sorted(p.name for p in drafts.iterdir()) == [
        "driftsstatus-2024-01.csv",
        "driftsstatus-2024-01.html",
        "driftsstatus-2024-01.pdf",
        "driftsstatus-2024-01.xlsx",
    ]
    expected = render(build_report(serving_copy_of(warehouse), "2024-01"), "csv")
    assert (drafts / "driftsstatus-2024-01.csv").read_text(encoding="utf-8") == expected
    assert "89,98%" in expected
