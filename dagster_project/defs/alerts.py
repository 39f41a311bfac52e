"""Failed runs launched from the Dagster UI or a schedule, reported to the alert webhook.

`driftsstatus run` records its runs in the same instance, but executes them in its own
process, outside any code location: run status sensors match only runs of their own code
location, so this sensor leaves them alone, and the command sends its own alert (cli.py).
Each failed run is reported once.
"""

import dagster as dg

from dagster_project.defs.sensors import SENSOR_INTERVAL
from dagster_project.pipeline.alerts import failure_payload, send_alert, summarise_failure
from dagster_project.settings import load_settings


@dg.run_failure_sensor(
    minimum_interval_seconds=SENSOR_INTERVAL,
    description="POST a failed run's checks and steps to DRIFTSSTATUS_ALERT_WEBHOOK, if set.",
    # Running from the start: without a webhook configured it does nothing.
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    settings = load_settings()
    if not settings.alert_webhook:
        return
    run = context.dagster_run
    failed_checks = _failed_checks(context.instance, run.run_id)
    failed_steps = [event.step_key for event in context.get_step_failure_events()]
    summary = summarise_failure(
        f"Driftsstatus Dagster run {run.run_id} ({run.job_name})",
        failed_checks,
        failed_steps,
        reason=context.failure_event.message or "",
    )
    send_alert(
        settings.alert_webhook,
        failure_payload(summary, settings.warehouse, run.run_id, failed_checks, failed_steps),
    )


def _failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The run's failed checks of severity error, named as `driftsstatus run` names them."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    evaluations = [record.event_log_entry.dagster_event.event_specific_data for record in records]
    return [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
