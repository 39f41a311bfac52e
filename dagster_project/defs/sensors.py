"""Sensors: new or changed landing files start a load of the days they bear on, and
every good load starts the build of its months.

How often they look is a setting (DRIFTSSTATUS_SENSOR_INTERVAL), and Dagster fixes it
when a sensor is declared: `sensors_for` declares them, called by the definitions'
entry point with the settings it read (definitions.py)."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from dagster_project.defs.alerts import alert_on_run_failure
from dagster_project.defs.jobs import build_all, load_landing
from dagster_project.defs.partitions import (
    RANGE_END_TAG,
    RANGE_START_TAG,
    daily,
    days_of_months,
    month_key,
    months_of_days,
    range_tags,
)
from dagster_project.defs.resources import LandingFolder, ServingCopy
from dagster_project.landing.changes import landing_changes, months_touched
from dagster_project.landing.loader import LandingUnavailable
from dagster_project.timeline import local_today


def sensors_for(interval: int) -> list[dg.SensorDefinition]:
    """Every sensor, looking every `interval` seconds."""
    running = dg.DefaultSensorStatus.RUNNING
    return [
        dg.sensor(job=load_landing, minimum_interval_seconds=interval, default_status=running)(
            landing_files
        ),
        dg.run_status_sensor(
            run_status=dg.DagsterRunStatus.SUCCESS,
            monitored_jobs=[load_landing],
            request_job=build_all,
            minimum_interval_seconds=interval,
            default_status=running,
        )(build_after_load),
        dg.run_failure_sensor(
            minimum_interval_seconds=interval,
            description="Record a failed run for the app; POST its checks and steps to the "
            "alert webhook, if set.",
            # Running from the start: it records every failed run for the app, and posts
            # nothing without a webhook.
            default_status=running,
        )(alert_on_run_failure),
    ]


def landing_files(
    context: dg.SensorEvaluationContext, landing: LandingFolder, serving: ServingCopy
) -> dg.RunRequest | dg.SkipReason:
    """One run per batch of new, changed or removed files; the cursor is name -> hash.

    A file is requested once per content: unchanged files (same name and hash) never
    start a run, and the run key is the batch's names and hashes.
    """
    cursor = json.loads(context.cursor) if context.cursor else {}
    if not Path(landing.path).is_dir():
        # An unmounted share is not every file removed: wait for it, keep the cursor (the
        # nightly load fails and alerts meanwhile).
        return dg.SkipReason(f"the landing folder {landing.path} is missing")
    try:
        found = landing_changes(Path(landing.path), cursor)
    except LandingUnavailable as problem:
        return dg.SkipReason(str(problem))
    if not found.any:
        return dg.SkipReason("no new, changed or removed files in the landing folder")
    today = local_today()
    # Old rows of changed files are read from the serving copy: the sensor never waits
    # for, or locks, the warehouse the pipeline writes.
    months = months_touched(Path(landing.path), found.changed, Path(serving.path), today)
    if found.removed:  # its rows may have borne on any day: reload them all
        days = daily.get_first_partition_key(), daily.get_last_partition_key()
    elif months is None:  # only unreadable files: the load records why
        days = days_of_months(month_key(today), month_key(today))
    else:
        days = days_of_months(month_key(months[0]), month_key(months[1]))
    tags = range_tags(*days)
    batch = [(name, found.state[name][2]) for name in found.changed] + [
        (name, "removed") for name in found.removed
    ]
    context.update_cursor(json.dumps(found.state))
    return dg.RunRequest(
        run_key=hashlib.sha256(json.dumps(batch).encode()).hexdigest()[:16],
        tags=tags,
    )


def build_after_load(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    """A good load is followed by one build run of the months holding its days.

    Not the loads of `driftsstatus run`: they have no code location, so this sensor does
    not match them, and the command builds itself.
    """
    tags = context.dagster_run.tags
    first = tags.get(RANGE_START_TAG) or tags["dagster/partition"]
    last = tags.get(RANGE_END_TAG) or tags["dagster/partition"]
    return dg.RunRequest(
        run_key=f"build-after-{context.dagster_run.run_id}",
        tags=range_tags(*months_of_days(first, last)),
    )
