"""Materialize every asset in-process and summarise the outcome for the terminal."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dagster_project.definitions import definitions_for
from dagster_project.defs.partitions import (
    days_of_months,
    month_key,
    monthly,
    range_tags,
)
from dagster_project.defs.resources import warehouse_for
from dagster_project.infra import collector, dbt_server
from dagster_project.infra.instance import persistent_instance, prune_run_history
from dagster_project.infra.webhook import failure_payload, summarise_failure
from dagster_project.landing.changes import landed_span
from dagster_project.landing.loader import LandingUnavailable
from dagster_project.landing.sources import SOURCES
from dagster_project.quality import early, gx_worker
from dagster_project.settings import Settings
from dagster_project.timeline import local_today

# A step's first and last event.
_STEP_BOUNDS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
}


@dataclass
class RunOutcome:
    success: bool
    loads: dict[str, dict[str, int]] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    step_errors: dict[str, str] = field(default_factory=dict)  # step -> what went wrong
    warnings: list[str] = field(default_factory=list)
    checks_passed: int = 0
    step_seconds: dict[str, float] = field(default_factory=dict)  # wall-clock per step

    def lines(self) -> list[str]:
        out = ["Loaded per source (files loaded/skipped/rejected, rows loaded/rejected):"]
        for source, m in self.loads.items():
            removed = m.get("files_removed", 0)
            out.append(
                f"  {source:<16} files {m['files_loaded']}/{m['files_skipped']}/"
                f"{m['files_rejected']}  rows {m['rows_loaded']:,}/{m['rows_rejected']:,}"
                + (f"  removed {removed} file(s), {m['rows_removed']:,} rows" if removed else "")
            )
        out.append(
            f"Checks passed: {self.checks_passed}, failed: {len(self.failed_checks)}, "
            f"warnings: {len(self.warnings)}"
        )
        out.extend(f"  FAILED check {name}" for name in self.failed_checks)
        out.extend(
            f"  FAILED step {step}"
            + (f": {self.step_errors[step]}" if step in self.step_errors else "")
            for step in self.failed_steps
        )
        out.extend(f"  WARNING {warning}" for warning in self.warnings)
        out.append(
            "Step times: "
            + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in self.step_seconds.items())
        )
        out.append("Run succeeded." if self.success else "Run FAILED.")
        return out

    def alert(self, warehouse: Path) -> dict:
        """The alert for a failed `driftsstatus run`."""
        summary = summarise_failure("driftsstatus run", self.failed_checks, self.failed_steps)
        return failure_payload(
            summary, warehouse, failed_checks=self.failed_checks, failed_steps=self.failed_steps
        )


def run_pipeline(settings: Settings, log_file: Path, months: tuple[str, str]) -> RunOutcome:
    """Load, then build and publish, in this process: two runs, as the schedules do it,
    recorded in the persistent Dagster instance (the UI lists them with their
    materializations and checks).

    `months` (first and last month partition key, e.g. '2023-11-01', '2024-01-01';
    `months_to_build` gives those of the whole landing folder) limits both runs to those
    months, the load to their days. No build runs after a failed load. dbt's own progress
    lines go to `log_file`; the caller prints the outcome.
    """
    first, last = months
    outcome = RunOutcome(success=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with (
        persistent_instance(settings) as instance,
        log_file.open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.ExitStack() as until_built,
    ):
        # GX is imported in its worker meanwhile (quality/gx_worker.py), which is gone
        # again before the build needs the memory.
        with gx_worker.started():
            definitions = definitions_for(settings)
            collector.resume()  # paused by `driftsstatus run` while Dagster started
            # dbt is imported by its server (infra/dbt_server.py) during the load: started
            # with the run, its import took the cores Dagster's and GX's imports wanted.
            until_built.enter_context(dbt_server.started())
            prune_run_history(instance, settings.run_retention_days)
            # The checks' GX validation begun as each load ends (quality/early.py), on a
            # connection of its own. The warehouse is held open for the load run: else
            # that connection may open it while a step's connection, the last, closes
            # it, which DuckDB refuses ("Unique file handle conflict").
            with warehouse_for(settings).get_connection(), early.allowed():
                loaded = _execute(
                    definitions, "load_landing", days_of_months(first, last), instance
                )
        _collect(loaded, outcome, instance)
        if loaded.success:
            built = _execute(definitions, "build_all", (first, last), instance)
            _collect(built, outcome, instance)
    return outcome


def _execute(
    definitions: dg.Definitions,
    job_name: str,
    partitions: tuple[str, str],
    instance: dg.DagsterInstance,
) -> dg.ExecuteInProcessResult:
    """One job over a range of its partitions, in this process."""
    return definitions.resolve_job_def(job_name).execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags=range_tags(*partitions),
        # The terminal gets the summary; Dagster's event log only for problems.
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )


def months_to_build(settings: Settings) -> tuple[str, str]:
    """The months the landing folder's rows span, with those of loaded files that have gone
    from it (the month spine can hold no other): far fewer partitions to load, build and
    record than every month since 2020, which is the range only when nothing can be
    dated. A range of 2020-2026 costs minutes even on a few rows: Dagster records a
    materialization per day partition."""
    today = local_today()
    try:
        span = landed_span(settings.landing_dir, settings.warehouse, today)
    except LandingUnavailable:
        span = None  # the load says why, and stops
    if span is None:
        return monthly.get_first_partition_key(), monthly.get_last_partition_key()
    return month_key(span[0]), month_key(span[1])


def _step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Each step's wall-clock time, from its start and end events alone (Dagster's step
    stats read every materialization of the run too: 0.1-0.2 s of a run's end at 1,300)."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for record in instance.get_records_for_run(run_id, of_type=_STEP_BOUNDS).records:
        entry = record.event_log_entry
        if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
            started[entry.step_key] = entry.timestamp
        elif entry.step_key in started:
            seconds[entry.step_key] = entry.timestamp - started[entry.step_key]
    return seconds


def _collect(
    result: dg.ExecuteInProcessResult, outcome: RunOutcome, instance: dg.DagsterInstance
) -> None:
    """Add one run's loads, check results, failed steps and step times to the outcome."""
    outcome.success &= result.success
    outcome.step_seconds.update(_step_seconds(instance, result.run_id))
    sources = {s.name for s in SOURCES}
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        key = materialization.asset_key.path
        if key[0] == "raw" and key[-1] in sources:
            outcome.loads[key[-1]] = {k: v.value for k, v in materialization.metadata.items()}
        if key == ["audit", "source_freshness"]:  # stale feeds (quality/freshness.py)
            outcome.warnings += materialization.metadata["warnings"].value
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.passed:
            outcome.checks_passed += 1
        elif evaluation.severity == dg.AssetCheckSeverity.WARN:
            failures = evaluation.metadata.get("dbt_test_failures") or evaluation.metadata.get(
                "failures"
            )
            count = f" ({failures.value} rows)" if failures is not None else ""
            outcome.warnings.append(f"{name}{count}")
        else:
            outcome.failed_checks.append(name)
    outcome.failed_steps += list(result.get_failed_step_keys())
    for event in result.all_events:
        # Dagster skips a step when an asset it depends on was not materialized in the
        # run, and calls the run a success: here it is not (the app would serve old data).
        if event.is_step_skipped:
            outcome.success = False
            outcome.failed_steps.append(event.step_key)
            outcome.step_errors[event.step_key] = "skipped: an asset it needs was not built"
        if event.is_step_failure:
            error = event.step_failure_data.error
            # The cause a user can act on (e.g. the landing folder is missing), not
            # Dagster's wrapper around it.
            while error.cause is not None and "dagster" in error.cls_name.lower():
                error = error.cause
            message = (error.message or error.cls_name).strip().splitlines()[0]
            # Its first line repeats the exception's qualified name: the user wants the words.
            message = re.sub(rf"^[\w.]*\b{re.escape(error.cls_name or '')}: ", "", message)
            outcome.step_errors[event.step_key] = message
