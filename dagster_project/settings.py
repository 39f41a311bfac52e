"""The data contract's settings, read from the environment in one place.

Everything else receives a `Settings` (or plain paths) and never reads the
environment itself.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
# dbt_project.yml's seed path: the reference data (dbt_seed_path).
SEED_PATH_VARIABLE = "DRIFTSSTATUS_SEED_PATH"
DEFAULT_REFERENCE_DIR = DBT_PROJECT_DIR / "seeds"  # the report's reference data
# Reference tables a reference folder may leave out: the seed's (empty) one is used.
OPTIONAL_REFERENCE = ("response_targets.csv", "recurring_windows.csv", "contract_terms.csv")
# Where dbt builds (DRIFTSSTATUS_ENGINE), as the dbt target (dbt/profiles.yml) it names.
ENGINE_TARGETS = {"duckdb": "dev", "spark": "spark"}


@dataclass(frozen=True)
class Mail:
    """Where the monthly report is e-mailed: the SMTP server and the recipients."""

    host: str
    recipients: tuple[str, ...]
    sender: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log or traceback


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    as_of: datetime | None
    publisher: str  # who publishes reports (R14)
    lock_timeout: float  # seconds a writer waits for the warehouse lock
    alert_webhook: str | None  # where failed runs are reported (Slack/Teams style)
    # The reference data (dbt seeds: services, targets, hours, areas); a scaled sample
    # brings its own.
    reference_dir: Path
    memory_limit: str  # DuckDB's, per process (loader, dbt): beyond it DuckDB spills to disk
    # The persistent Dagster instance of `driftsstatus run`, the UI and the daemon
    # (infra/instance.py): its folder, and its storage when not SQLite in that folder.
    dagster_home: Path
    dagster_postgres_url: str | None = field(repr=False)  # it holds a password
    # Sources whose landing folder may be empty although the warehouse holds rows from
    # it: their rows are removed on purpose (`driftsstatus run --allow-empty SOURCE`).
    allow_empty: frozenset[str] = frozenset()
    run_retention_days: int = 90  # finished runs and schedule/sensor ticks older are pruned
    sensor_interval: int = 60  # seconds between looks at the landing folder (and after loads)
    mail: Mail | None = None  # None: the report is not e-mailed
    # Where dbt builds: "duckdb" (the warehouse file) or "spark" (README "Scale"): the
    # Spark master (local[N] or a cluster's URL), and the folder of Spark's tables, its
    # catalog and the Parquet files the two engines exchange (the raw layer, the marts).
    engine: str = "duckdb"
    spark_master: str = "local[2]"
    spark_dir: Path | None = None

    @property
    def spark_folder(self) -> Path:
        return self.spark_dir or self.warehouse.with_name(self.warehouse.stem + ".spark")

    @property
    def serving_copy(self) -> Path:
        return serving_copy_of(self.warehouse)

    def dbt_env(self) -> dict[str, str]:
        """Environment for dbt subprocesses: warehouse, reference data and as-of instant."""
        env = {
            "DRIFTSSTATUS_WAREHOUSE": str(self.warehouse),
            SEED_PATH_VARIABLE: dbt_seed_path(self.reference_dir),
            "DRIFTSSTATUS_MEMORY_LIMIT": self.memory_limit,
        }
        if self.as_of is not None:
            env["DRIFTSSTATUS_AS_OF"] = self.as_of.isoformat()
        return env

    def engine_env(self) -> dict[str, str]:
        """The pipeline's builds' dbt target: DuckDB's (the profile's default) or Spark's,
        with its master and folder. `publish` and `report --recompute` build a scratch
        copy of the warehouse, on DuckDB."""
        if self.engine == "duckdb":
            return {}
        return {
            "DBT_TARGET": ENGINE_TARGETS[self.engine],
            "DRIFTSSTATUS_SPARK_MASTER": self.spark_master,
            "DRIFTSSTATUS_SPARK_DIR": str(self.spark_folder),
        }


def serving_copy_of(warehouse: Path) -> Path:
    """The read-only copy the app reads, next to the warehouse; replaced after a good run."""
    return warehouse.with_name(warehouse.stem + ".serving.duckdb")


def failed_run_record_of(warehouse: Path) -> Path:
    """The alert of the last failed pipeline run, next to the warehouse, for the app
    (report/run_status.py)."""
    return warehouse.with_name(warehouse.stem + ".failed-run.json")


def raw_store_of(warehouse: Path) -> Path:
    """The folder beside the warehouse file holding its probe checks (landing/store.py):
    part of the warehouse, to be moved and backed up with the file."""
    return warehouse.with_name(warehouse.stem + ".raw")


def dbt_seed_path(reference_dir: Path) -> str:
    """The reference data as dbt's seed path, relative to the dbt project.

    dbt writes each seed's SQL to target/run/<project>/<seed path>/<name>.csv: a seed
    path outside the project would overwrite the CSVs themselves. So reference data
    kept elsewhere is copied under target/ first (a few small files).
    """
    if reference_dir == DBT_PROJECT_DIR / "seeds":
        return "seeds"
    key = hashlib.sha256(str(reference_dir).encode()).hexdigest()[:12]
    copy = DBT_PROJECT_DIR / "target" / "reference" / key
    copy.mkdir(parents=True, exist_ok=True)
    for table in reference_dir.glob("*.csv"):
        shutil.copyfile(table, copy / table.name)
    # Reference data from before response-time targets, recurring windows or contract terms
    # has none (the seed: the header only).
    for optional in OPTIONAL_REFERENCE:
        if not (reference_dir / optional).exists():
            shutil.copyfile(DBT_PROJECT_DIR / "seeds" / optional, copy / optional)
    return copy.relative_to(DBT_PROJECT_DIR).as_posix()


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with an explicit offset (R1); a naive one is refused."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as problem:  # Python's words name neither the setting nor the value
        raise ValueError(
            f"as-of instant is not an ISO 8601 instant ({problem}): {text!r}"
        ) from None
    if value.tzinfo is None:
        raise ValueError(f"as-of instant needs a UTC offset or Z: {text!r}")
    return value


@contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """Set (or, with None, unset) environment variables for the block, then put them
    back: for a subprocess started inside, or code that reads its settings anew."""
    before = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _set(name, value)
        yield
    finally:
        for name, value in before.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    as_of = env.get("DRIFTSSTATUS_AS_OF") or None
    warehouse = _path(env.get("DRIFTSSTATUS_WAREHOUSE"), "data/warehouse.duckdb")
    return Settings(
        landing_dir=_path(env.get("DRIFTSSTATUS_LANDING_DIR"), "data/landing"),
        warehouse=warehouse,
        as_of=parse_instant(as_of) if as_of else None,
        publisher=env.get("DRIFTSSTATUS_PUBLISHER") or getpass.getuser(),
        lock_timeout=float(env.get("DRIFTSSTATUS_LOCK_TIMEOUT") or 600),
        alert_webhook=env.get("DRIFTSSTATUS_ALERT_WEBHOOK") or None,
        reference_dir=_path(env.get("DRIFTSSTATUS_REFERENCE_DIR"), "dbt/seeds"),
        memory_limit=env.get("DRIFTSSTATUS_MEMORY_LIMIT") or "3GB",
        allow_empty=frozenset(_names(env.get("DRIFTSSTATUS_ALLOW_EMPTY"))),
        # Dagster's own variable (a UI or daemon started by hand reads it too); by default
        # the instance lies next to the warehouse, as its drafts and logs do: data/dagster/.
        dagster_home=_path(env.get("DAGSTER_HOME"), None) or warehouse.parent / "dagster",
        dagster_postgres_url=_psycopg2_url(env.get("DRIFTSSTATUS_DAGSTER_POSTGRES_URL")),
        run_retention_days=int(env.get("DRIFTSSTATUS_RUN_RETENTION_DAYS") or 90),
        sensor_interval=int(env.get("DRIFTSSTATUS_SENSOR_INTERVAL") or 60),
        mail=_mail(env),
        engine=_engine(env.get("DRIFTSSTATUS_ENGINE")),
        spark_master=env.get("DRIFTSSTATUS_SPARK_MASTER") or "local[2]",
        spark_dir=_path(env.get("DRIFTSSTATUS_SPARK_DIR"), None),
    )


def _engine(value: str | None) -> str:
    engine = (value or "duckdb").strip().lower()
    if engine not in ENGINE_TARGETS:
        raise ValueError(
            f"DRIFTSSTATUS_ENGINE must be one of {', '.join(ENGINE_TARGETS)}: {value!r}"
        )
    return engine


def _mail(env: Mapping[str, str]) -> Mail | None:
    """The SMTP settings, or None unless both a host and recipients are set."""
    host = env.get("DRIFTSSTATUS_SMTP_HOST") or None
    recipients = _names(env.get("DRIFTSSTATUS_REPORT_RECIPIENTS"))
    if not host or not recipients:
        return None
    user = env.get("DRIFTSSTATUS_SMTP_USER") or None
    port = env.get("DRIFTSSTATUS_SMTP_PORT") or "587"
    if not port.isdigit():
        raise ValueError(f"DRIFTSSTATUS_SMTP_PORT must be a port number: {port!r}")
    return Mail(
        host=host,
        recipients=tuple(recipients),
        sender=env.get("DRIFTSSTATUS_MAIL_FROM") or user or "driftsstatus@localhost",
        port=int(port),
        starttls=_flag(env, "DRIFTSSTATUS_SMTP_STARTTLS", default=True),
        user=user,
        password=env.get("DRIFTSSTATUS_SMTP_PASSWORD") or None,
    )


def _names(value: str | None) -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """true/false (also yes/no, 1/0); `default` when unset."""
    value = (env.get(name) or "").strip().lower()
    if not value:
        return default
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise ValueError(f"{name} must be true or false: {value!r}")


def _psycopg2_url(url: str | None) -> str | None:
    """dagster-postgres speaks psycopg2, while SQLAlchemy 2.1 opens a plain postgresql://
    URL with psycopg 3: name the driver."""
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    return f"postgresql+psycopg2://{rest}" if scheme in ("postgres", "postgresql") else url


def _path(value: str | None, default: str | None) -> Path | None:
    """A path given by the user is relative to the working directory; defaults to the repo."""
    if not value:
        return None if default is None else REPO_ROOT / default
    return Path(value).expanduser().resolve()
