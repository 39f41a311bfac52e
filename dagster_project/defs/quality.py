"""Blocking asset checks: every raw table's new files against its GX suite.

One check per landing source, all in one step. A file is validated once per content
hash (the results stay in audit.validation_results), so a rerun with nothing new
costs a query. The check fails while any file now in the raw table has a failed
expectation, validated in this run or before, and being blocking it stops the
dbt models that read the table.
"""

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import LandingFolder
from dagster_project.landing.loader import ensure_raw_schema
from dagster_project.landing.sources import SOURCES
from dagster_project.quality import early
from dagster_project.quality.results import current_failures, ensure_results_table
from dagster_project.quality.validate import Sample, sample_size, validate_pending, write_sample

MAX_TABLE_ROWS = 20


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name="gx_suite",
            asset=dg.AssetKey(["raw", source.name]),
            blocking=True,
            description=f"Rows of new or changed files pass expectations/{source.name}.json.",
        )
        for source in SOURCES
    ],
    can_subset=True,
)
def gx_suites(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, landing: LandingFolder
):
    """Every source's check in one step: a step costs Dagster about 60 ms of every run,
    and most sources have no new file to validate."""
    with duckdb.get_connection() as con:
        ensure_raw_schema(con)
        for key in sorted(context.selected_asset_check_keys, key=lambda k: k.asset_key.path):
            yield _validated(context, con, key.asset_key, Path(landing.reference_dir))


def _validated(
    context: dg.AssetCheckExecutionContext,
    con: duckdb.DuckDBPyConnection,
    asset_key: dg.AssetKey,
    reference: Path,
) -> dg.AssetCheckResult:
    """The source's new or changed files against its suite, and every failure of the
    files now in its raw table."""
    source_name = asset_key.path[-1]
    begun = early.collect(source_name)
    pending, outcomes = validate_pending(con, source_name, reference) if begun is None else begun
    rows = 0
    for outcome in outcomes:
        rows += outcome.rows
        context.log.info(
            f"{outcome.file}: {outcome.rows:,} of {outcome.rows_in_file:,} rows, "
            f"{len(outcome.failed)} failed expectation(s), {outcome.seconds:.2f} s"
        )
    failures = current_failures(con, source_name)
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name="gx_suite",
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "files_validated": len(pending),
            "rows_validated": rows,
            "failed_expectations": len(failures),
            "failures": dg.MetadataValue.md(_failure_table(failures)),
        },
    )


def begin_validation(
    con: duckdb.DuckDBPyConnection, warehouse: DuckDBResource, source_name: str, reference: Path
) -> None:
    """Begin validating the source's newly loaded files in the background, on a connection
    of its own, for its check to collect (quality/early.py)."""
    # The results table made here: the background transaction then changes no catalog
    # entry beside the load's.
    ensure_results_table(con)

    def validate() -> tuple[list[str], list]:
        with warehouse.get_connection() as own:
            return validate_pending(own, source_name, reference, early.samples(source_name))

    early.begin(source_name, validate)


def sample_as_loaded(warehouse: DuckDBResource, source_name: str) -> Callable[[str, int], None]:
    """For the loader: once a file is loaded (of `loading` files this load loads), write
    its GX sample in the background, on a connection of its own (quality/early.py)."""

    def loaded(file: str, loading: int) -> None:
        def write(path: str) -> Sample:
            with warehouse.get_connection() as own:
                return write_sample(own, source_name, file, sample_size(loading), path)

        early.begin_sample(source_name, file, write)

    return loaded


def _failure_table(failures: list[tuple]) -> str:
    """Failed expectations as a markdown table (the first MAX_TABLE_ROWS)."""
    if not failures:
        return "No failed expectations."
    lines = [
        "| file | expectation | column | unexpected | examples |",
        "|---|---|---|---:|---|",
    ]
    for file, expectation, column, unexpected, examples in failures[:MAX_TABLE_ROWS]:
        shown = "; ".join(examples or []).replace("|", "\\|")
        count = "" if unexpected is None else f"{unexpected:,}"
        lines.append(f"| {file} | {expectation} | {column or ''} | {count} | {shown} |")
    if len(failures) > MAX_TABLE_ROWS:
        lines.append(f"\n... and {len(failures) - MAX_TABLE_ROWS} more in audit.validation_results")
    return "\n".join(lines)
