"""Publish -> e-mail: the drafted month's report sent to the configured recipients."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.drafts import report_draft
from dagster_project.defs.partitions import monthly
from dagster_project.defs.resources import Mailer
from dagster_project.publish.delivery import DeliveryFailed, deliver_report, was_sent
from dagster_project.settings import serving_copy_of

# A busy or unreachable server gets another chance (each try makes three attempts);
# the run holds the warehouse lock meanwhile, so the wait stays short.
RETRY_POLICY = dg.RetryPolicy(max_retries=2, delay=10)


@dg.asset(
    key=["publish", "report_delivery"],
    group_name="publish",
    deps=[report_draft],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=RETRY_POLICY,
    kinds={"email"},
)
def report_delivery(context: dg.AssetExecutionContext, duckdb: DuckDBResource, mailer: Mailer):
    """Each month of the run e-mailed with its PDF and XLSX (the frozen report once
    published); every delivery is recorded in audit.report_deliveries."""
    mail = mailer.mail()
    if mail is None:
        return dg.MaterializeResult(
            metadata={
                "delivery": "not configured: set DRIFTSSTATUS_SMTP_HOST and "
                "DRIFTSSTATUS_REPORT_RECIPIENTS"
            }
        )
    warehouse = Path(duckdb.database)
    requested_by = f"dagster run {context.run.run_id}"
    sent, failures = [], []
    with duckdb.get_connection() as con:
        for key in context.partition_keys:
            month = key[:7]
            # A retried step sends only what its earlier tries did not.
            if was_sent(con, month, requested_by):
                context.log.info(f"{month}: already sent by this run")
                continue
            try:
                delivery = deliver_report(
                    con, serving_copy_of(warehouse), month, mail, requested_by
                )
            except DeliveryFailed as failed:
                context.log.error(f"{month}: {failed}")
                failures.append(failed)
                continue
            context.log.info(f"{month}: sent {delivery.subject!r} to {len(mail.recipients)}")
            sent.append({"subject": delivery.subject, "report_id": delivery.report_id})
    if failures:
        raise dg.Failure(
            description="; ".join(str(failed) for failed in failures),
            # Refused (credentials, recipients): another try would be refused again.
            allow_retries=any(failed.retry for failed in failures),
        )
    return dg.MaterializeResult(
        metadata={"sent": dg.MetadataValue.json(sent), "recipients": len(mail.recipients)}
    )
