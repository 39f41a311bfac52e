"""Blocking asset checks: every raw table's new files against its GX suite.

One check per landing source. A file is validated once per content hash (the
results stay in audit.validation_results), so a rerun with nothing new costs a
query. The check fails while any file now in the raw table has a failed
expectation, validated in this run or before, and being blocking it stops the
dbt models that read the table.
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import LandingFolder
from dagster_project.landing.loader import ensure_raw_schema
from dagster_project.landing.sources import SOURCES
from dagster_project.quality import (
    current_failures,
    files_to_validate,
    forget_unloaded,
    validate_files,
)

MAX_TABLE_ROWS = 20


def _gx_check(source_name: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", source_name]),
        name="gx_suite",
        blocking=True,
        description=f"Rows of new or changed files pass expectations/{source_name}.json.",
    )
    def check(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, landing: LandingFolder
    ):
        with duckdb.get_connection() as con:
            ensure_raw_schema(con)
            forget_unloaded(con, source_name)
            pending = files_to_validate(con, source_name)
            rows = 0
            reference = Path(landing.reference_dir)
            for outcome in validate_files(con, source_name, pending, reference):
                rows += outcome.rows
                context.log.info(
                    f"{outcome.file}: {outcome.rows:,} of {outcome.rows_in_file:,} rows, "
                    f"{len(outcome.failed)} failed "
                    f"expectation(s), {outcome.seconds:.2f} s"
                )
            failures = current_failures(con, source_name)
        return dg.AssetCheckResult(
            passed=not failures,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "files_validated": len(pending),
                "rows_validated": rows,
                "failed_expectations": len(failures),
                "failures": dg.MetadataValue.md(_failure_table(failures)),
            },
        )

    return check


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


gx_checks = [_gx_check(source.name) for source in SOURCES]
