"""Resources, configured from the settings the definitions' entry point read
(definitions.py); nothing here reads the environment."""

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pydantic
from dagster_duckdb import DuckDBResource

from dagster_project.infra.dbt_cli import dbt_cli
from dagster_project.infra.lock import warehouse_lock
from dagster_project.settings import DEFAULT_REFERENCE_DIR, Mail, Settings

PASSWORD_VARIABLE = "DRIFTSSTATUS_SMTP_PASSWORD"


class Warehouse(DuckDBResource):
    """The warehouse, held under its write lock for the whole run that uses it.

    Runs from the UI, the schedules and the sensor queue behind `driftsstatus run` and
    `publish` (and each other) instead of failing on DuckDB's lock halfway through.
    """

    lock_timeout: float

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["Warehouse"]:
        log = context.log.info if context.log else None
        what = f"dagster run {context.run.run_id}" if context.run else "dagster"
        with warehouse_lock(Path(self.database), self.lock_timeout, what, on_wait=log):
            yield self


class LandingFolder(dg.ConfigurableResource):
    """The landing folder the sources are loaded from."""

    path: str
    # Sources whose folder may be empty although the warehouse holds rows from it.
    allow_empty: list[str] = pydantic.Field(default_factory=list)
    # The reference data (services.csv: the service ids a landed row may name).
    reference_dir: str = str(DEFAULT_REFERENCE_DIR)


class ServingCopy(dg.ConfigurableResource):
    """The copy of the warehouse the app reads: the sensor reads loaded rows from it, and
    never waits for, or locks, the warehouse the pipeline writes."""

    path: str


class RunHistory(dg.ConfigurableResource):
    """How long the instance keeps finished runs (infra/instance.py prunes them)."""

    keep_days: int


class Alerting(dg.ConfigurableResource):
    """Where failed runs are reported (a chat webhook), and which warehouse they were on."""

    webhook: str | None = None
    warehouse: str


class Mailer(dg.ConfigurableResource):
    """The SMTP server and recipients of the monthly report; `host` None: not configured.
    The password is given as its environment variable, so the UI shows its name only."""

    host: str | None = None
    recipients: list[str] = pydantic.Field(default_factory=list)
    sender: str = ""
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = None

    def mail(self) -> Mail | None:
        if not self.host:
            return None
        fields = {field.name: getattr(self, field.name) for field in dataclasses.fields(Mail)}
        return Mail(**{**fields, "recipients": tuple(self.recipients)})


def warehouse_for(settings: Settings) -> Warehouse:
    return Warehouse(
        database=str(settings.warehouse),
        lock_timeout=settings.lock_timeout,
        connection_config={"memory_limit": settings.memory_limit},
    )


def resources_for(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        "duckdb": warehouse_for(settings),
        "landing": LandingFolder(
            path=str(settings.landing_dir),
            allow_empty=sorted(settings.allow_empty),
            reference_dir=str(settings.reference_dir),
        ),
        # dbt runs as a subprocess in dbt/ and reads the warehouse path (resolved to an
        # absolute one), the reference data, the as-of instant and the engine from its
        # environment.
        "serving": ServingCopy(path=str(settings.serving_copy)),
        "dbt": dbt_cli(settings.dbt_env() | settings.engine_env()),
        "run_history": RunHistory(keep_days=settings.run_retention_days),
        "alerting": Alerting(webhook=settings.alert_webhook, warehouse=str(settings.warehouse)),
        "mailer": _mailer(settings.mail),
    }


def _mailer(mail: Mail | None) -> Mailer:
    if mail is None:
        return Mailer()
    password = dg.EnvVar(PASSWORD_VARIABLE) if mail.password else None
    return Mailer(
        **{**dataclasses.asdict(mail), "recipients": list(mail.recipients), "password": password}
    )
