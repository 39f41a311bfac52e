"""Housekeeping of the persistent instance: finished runs past the retention are pruned
(schedule and sensor ticks are purged by the daemon itself, deploy/dagster.yaml)."""

import dagster as dg

from dagster_project.defs.partitions import LOCAL_ZONE
from dagster_project.defs.resources import RunHistory
from dagster_project.infra.instance import prune_run_history


@dg.op
def prune_finished_runs(context: dg.OpExecutionContext, run_history: RunHistory) -> None:
    pruned = prune_run_history(context.instance, run_history.keep_days)
    context.log.info(f"pruned {pruned} finished run(s) older than {run_history.keep_days} days")


@dg.job(description="Delete finished runs older than DRIFTSSTATUS_RUN_RETENTION_DAYS.")
def prune_run_history_job() -> None:
    prune_finished_runs()


@dg.schedule(
    cron_schedule="30 3 * * *",
    execution_timezone=LOCAL_ZONE,
    job=prune_run_history_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def prune_run_history_daily(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """03:30, after the nightly load."""
    return dg.RunRequest(run_key=f"prune-{context.scheduled_execution_time:%Y-%m-%d}")
