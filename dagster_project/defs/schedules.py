"""Schedules, in Copenhagen time (DST included): the nightly load and the monthly report."""

from datetime import datetime

import dagster as dg

from dagster_project.defs.jobs import load_landing, monthly_report
from dagster_project.defs.partitions import days_of_months, month_key, range_tags
from dagster_project.timeline import LOCAL_ZONE, add_months


def _months_back(moment: datetime, count: int) -> str:
    """The partition key of the month `count` months before `moment`'s."""
    return month_key(add_months(moment.date(), -count))


@dg.schedule(
    cron_schedule="0 2 * * *",
    execution_timezone=LOCAL_ZONE,
    job=load_landing,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_load(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """02:00: load the days of the month in progress and the month before; the build of
    both months follows (sensor `build_after_load`).

    The month in progress is reported to date (R6), so it changes every night; the month
    before still receives late checks, incident versions and windows.
    """
    tick = context.scheduled_execution_time
    months = _months_back(tick, 1), _months_back(tick, 0)
    return dg.RunRequest(
        run_key=f"nightly-{tick:%Y-%m-%d}", tags=range_tags(*days_of_months(*months))
    )


@dg.schedule(
    cron_schedule="0 6 1 * *",
    execution_timezone=LOCAL_ZONE,
    job=monthly_report,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def monthly_report_draft(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """06:00 on the 1st: build the month just ended, draft its report and e-mail it."""
    month = _months_back(context.scheduled_execution_time, 1)
    return dg.RunRequest(run_key=f"draft-{month[:7]}", partition_key=month)
