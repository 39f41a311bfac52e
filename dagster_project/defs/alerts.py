"""Failed runs launched from the Dagster UI or a schedule, recorded for the app and
reported to the alert webhook.

`driftsstatus run` records its runs in the same instance, but executes them in its own
process, outside any code location: run status sensors match only runs of their own code
location, so this sensor leaves them alone, and the command sends its own alert (cli.py).
Each failed run is reported once.
"""

from pathlib import Path

import dagster as dg

from dagster_project.defs.resources import Alerting
from dagster_project.infra.webhook import failure_payload, send_alert, summarise_failure
from dagster_project.report.run_status import record_failed_run
from dagster_project.settings import failed_run_record_of


def alert_on_run_failure(context: dg.RunFailureSensorContext, alerting: Alerting) -> None:
    """The run failure sensor's work (declared in sensors.py with the other sensors): the
    alert recorded for the app (report/run_status.py), and sent if a webhook is set."""
    run = context.dagster_run
    failed_checks = _failed_checks(context.instance, run.run_id)
    failed_steps = [event.step_key for event in context.get_step_failure_events()]
    summary = summarise_failure(
        f"Driftsstatus Dagster run {run.run_id} ({run.job_name})",
        failed_checks,
        failed_steps,
        reason=context.failure_event.message or "",
    )
    warehouse = Path(alerting.warehouse)
    payload = failure_payload(summary, warehouse, run.run_id, failed_checks, failed_steps)
    try:
        record_failed_run(failed_run_record_of(warehouse), payload)
    except OSError as problem:  # the alert still goes out
        context.log.warning(f"The failed run could not be recorded for the app: {problem}")
    if alerting.webhook:
        send_alert(alerting.webhook, payload)


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
