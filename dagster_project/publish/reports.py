"""R14: published reports, frozen and immutable, and their reproduction as of T.

Publishing computes the month's report as of an instant T (the dbt models
rebuilt in a scratch copy with `as_of` = T, and refused unless every blocking
check of that build passed), freezes every figure and sentence
as canonical JSON with its hash, who published it and when, and appends it to
the `published` schema. Nothing here updates or deletes a published report;
publishing a month again needs a reason and keeps the earlier report.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from dagster_project.infra.dbt_command import PROJECT_PARSE, run_dbt, warehouse_target_path
from dagster_project.infra.reference_build import LEAVE_OUT, reference_build_plan
from dagster_project.infra.rows import insert_rows
from dagster_project.landing.loader import ACCOUNTED, unaccounted_files
from dagster_project.landing.sources import SOURCES
from dagster_project.publish.scratch import scratch_folder
from dagster_project.quality.results import current_failures
from dagster_project.report.frozen import content_hash, freeze
from dagster_project.report.model import Report, build_report, parse_month, report_columns
from dagster_project.report.published import (
    Publication,
    PublishError,
    has_published_schema,
    latest_publication,
)
from dagster_project.settings import DBT_PROJECT_DIR, SEED_PATH_VARIABLE

SCHEMA = """
create schema if not exists published;
create table if not exists published.reports (
    report_id varchar primary key,      -- '<month>#<n>', n = 1 for the first publication
    month date not null,
    as_of timestamptz not null,
    published_at timestamptz not null,
    published_by varchar not null,
    content_hash varchar not null,      -- sha256 of report_json
    report_json varchar not null,       -- every figure and sentence, canonical JSON
    supersedes varchar,                 -- the report_id this one replaces
    reason varchar                      -- why it was published again
);
create table if not exists published.cells (
    report_id varchar not null,
    service_id varchar not null,
    month date not null,
    display varchar not null,
    status_colour varchar
);
create table if not exists published.penalties (   -- the amounts shown, for R14's marks
    report_id varchar not null,
    service_id varchar not null,
    month date not null,
    display varchar not null
);
"""


class BlockingChecksFailed(PublishError):
    """The figures as of T failed blocking checks: nothing of them may be frozen."""

    def __init__(self, as_of: datetime, checks: list[str]) -> None:
        self.checks = checks
        count = f"{len(checks)} blocking check{'s' if len(checks) != 1 else ''}"
        super().__init__(
            f"{count} failed in the build as of {as_of.isoformat()}: {', '.join(checks)}"
        )


def report_as_of(
    source: Path,
    month: str | date,
    as_of: datetime,
    dbt_env: Mapping[str, str],
    published_before: datetime | None = None,
) -> Report:
    """The month's report computed from the raw data as of `as_of` (R6), in a scratch copy.

    The copy is built with the blocking checks (`dbt build`: models and data tests),
    and a report is only made of figures that passed all of them, the raw tables'
    checks included; otherwise `BlockingChecksFailed` names the failing ones.
    `dbt_env` is the settings' dbt environment (`Settings.dbt_env()`). Restatement
    marks compare with the reports published before `published_before` (all of them
    when not given).
    """
    with scratch_folder() as scratch:
        copy = scratch / "warehouse.duckdb"
        shutil.copyfile(source, copy)  # the warehouse or its serving copy
        if failed := raw_check_failures(copy):
            # As in a run: a failed raw check blocks every model that reads the table.
            raise BlockingChecksFailed(as_of, failed)
        # The instant as DRIFTSSTATUS_AS_OF, not `--vars`: other vars than the saved
        # parse's make dbt parse the whole project again. Only the months the report
        # shows are built (the monthly marts replace exactly those): not the month of
        # the instant nor any after the report's, which it never reads.
        shown = report_columns(parse_month(month))
        scratch_env = {
            "DRIFTSSTATUS_WAREHOUSE": str(copy),
            "DRIFTSSTATUS_AS_OF": as_of.isoformat(),
            "DRIFTSSTATUS_MONTH_FROM": shown[0].isoformat(),
            "DRIFTSSTATUS_MONTH_TO": shown[-1].isoformat(),
        }
        built = run_dbt(
            # The rules' unit tests pin SQL, not data; the seeds are in the copy. The
            # tests' results come from dbt's log, as JSON: no JSON artifacts (dbt writes
            # its 1.3 MB manifest twice a build, 0.3 s of a publication).
            [
                "build",
                "--log-format",
                "json",
                "--no-write-json",
                "--exclude-resource-type",
                "unit_test",
                "--exclude-resource-type",
                "seed",
                *_reference_left_out(copy, dbt_env),
            ],
            {**dbt_env, **scratch_env},
            target_path=scratch / "target",
            # The warehouse's own parse: made with its reference folder, which the
            # project's parse (of dbt/seeds) is not.
            parse_from=warehouse_target_path(dbt_env) / PROJECT_PARSE.name,
        )
        events = dbt_events(built.stdout)
        if failed := failed_tests(events):
            raise BlockingChecksFailed(as_of, failed)
        if built.returncode:
            said = "".join(f"{event['info']['msg']}\n" for event in events)
            raise PublishError(f"computing as of {as_of.isoformat()} failed:\n{said}{built.stderr}")
        return build_report(copy, month, published_before)


def raw_check_failures(warehouse: Path) -> list[str]:
    """The raw tables' blocking checks that fail now: the loader's accounting and GX."""
    failed = []
    # A scratch copy: current_failures may create its (empty) results table in it.
    with duckdb.connect(str(warehouse)) as con:
        for source in SOURCES:
            if missing := unaccounted_files(con, source):
                file, rows, raw, rejected = missing[0]
                found = f"{file}: {rows} rows read, {raw} loaded, {rejected} rejected"
                failed.append(f"raw/{source.name}:{ACCOUNTED} ({found}{_more(missing)})")
            if expectations := current_failures(con, source.name):
                file, expectation, column, *_ = expectations[0]
                found = f"{file}: {expectation}" + (f" on {column}" if column else "")
                failed.append(f"raw/{source.name}:gx_suite ({found}{_more(expectations)})")
    return failed


def _reference_left_out(copy: Path, dbt_env: Mapping[str, str]) -> tuple[str, ...]:
    """dbt's selection that leaves out the reference data's views and their tests when the
    copy holds them as built from the same files and code (infra/reference_build.py): 36
    nodes less, and nothing for dbt's on-run-end hook to record (a publication at 200
    services 0.6 s faster). A serving copy, which holds no staging view, builds them."""
    with duckdb.connect(str(copy)) as con:
        built, _ = reference_build_plan(con, DBT_PROJECT_DIR / dbt_env[SEED_PATH_VARIABLE])
    return LEAVE_OUT if built else ()


def dbt_events(output: str) -> list[dict]:
    """dbt's events from its JSON log lines (`--log-format json`), in order."""
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def failed_tests(events: list[dict]) -> list[str]:
    """The dbt tests of severity error that failed or errored in a build (not warnings),
    from its events: each test's result, and the message of each that errored."""
    messages = {
        event["data"]["node_info"]["unique_id"]: event["data"]["msg"]
        for event in events
        if event["info"]["name"] == "RunResultError" and event["data"].get("node_info")
    }
    failed = []
    for event in events:
        result = event["data"]
        if event["info"]["name"] != "LogTestResult" or result["status"] not in ("fail", "error"):
            continue
        unique_id = result["node_info"]["unique_id"]
        _kind, _project, name, *_ = unique_id.split(".")
        rows = result.get("num_failures")
        failed.append(
            f"{name} ({rows} failing row{'s' if rows != 1 else ''})"
            if result["status"] == "fail"
            else f"{name} (error: {' '.join(str(messages.get(unique_id)).split())})"
        )
    return failed


def _needs_a_reason(month: date, latest: Publication) -> PublishError:
    return PublishError(
        f"{month:%Y-%m} is already published ({latest.report_id}, "
        f"{latest.published_at:%Y-%m-%d %H:%M}); publish again with "
        '--supersede --reason "..."'
    )


def _more(found: list) -> str:
    return f" and {len(found) - 1} more" if len(found) > 1 else ""


def publish_report(
    warehouse: Path,
    month: str | date,
    as_of: datetime,
    published_by: str,
    dbt_env: Mapping[str, str],
    reason: str | None = None,
) -> tuple[Publication, bool]:
    """Freeze the report of `month` as of `as_of`; (publication, whether it is new).

    Publishing the same figures as of the same instant again changes nothing; a month
    published as of another instant needs a `reason` (`PublishError`, before anything
    is computed); figures that failed a blocking check are never frozen
    (`BlockingChecksFailed`).
    """
    month = parse_month(month)
    if not reason:
        # Only the same instant can give the same publication: refused before the report
        # is computed again (a scratch build, seconds at scale).
        with duckdb.connect(str(warehouse), read_only=True) as con:
            latest = latest_publication(con, month) if has_published_schema(con) else None
        if latest and latest.as_of != as_of:
            raise _needs_a_reason(month, latest)
    report = report_as_of(warehouse, month, as_of, dbt_env)
    frozen = freeze(report)
    digest = content_hash(frozen)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(SCHEMA)
        latest = latest_publication(con, month)
        if latest and latest.content_hash == digest and latest.as_of == as_of:
            return latest, False
        if latest and not reason:
            raise _needs_a_reason(month, latest)
        number = (
            1
            + con.execute(
                "select count(*) from published.reports where month = ?", [month]
            ).fetchone()[0]
        )
        report_id = f"{month:%Y-%m}#{number}"
        con.execute("begin transaction")
        con.execute(
            "insert into published.reports values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                report_id,
                month,
                as_of,
                datetime.now(UTC),
                published_by,
                digest,
                frozen,
                latest.report_id if latest else None,
                reason,
            ],
        )
        insert_rows(
            con,
            "published.cells",
            [
                (report_id, row.service_id, cell.month, cell.display, cell.colour)
                for area in report.areas
                for row in area.rows
                for cell in row.cells
                if cell.pct is not None
            ],
        )
        if report.penalties:
            insert_rows(
                con,
                "published.penalties",
                [
                    (report_id, row.service_id, row.month, row.amount_display)
                    for row in report.penalties.rows
                ],
            )
        con.execute("commit")
        return latest_publication(con, month), True
