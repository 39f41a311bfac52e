"""Publish -> exports: the month's report drafted as files for review before publishing."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.partitions import monthly
from dagster_project.defs.publish import serving_copy
from dagster_project.report import build_report, render
from dagster_project.report.render import file_name
from dagster_project.settings import serving_copy_of

DRAFT_FORMATS = ("pdf", "xlsx", "html", "csv")


def drafts_dir(warehouse: Path) -> Path:
    """Drafts lie next to the warehouse: data/reports/ for data/warehouse.duckdb."""
    return warehouse.parent / "reports"


@dg.asset(
    key=["publish", "report_draft"],
    group_name="publish",
    deps=[serving_copy],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"pdf", "excel"},
)
def report_draft(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    """The report of each month of the run, from the serving copy, in every export format."""
    warehouse = Path(duckdb.database)
    folder = drafts_dir(warehouse)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for key in context.partition_keys:
        report = build_report(serving_copy_of(warehouse), key[:7])
        for fmt in DRAFT_FORMATS:
            content = render(report, fmt)
            target = folder / file_name(report, fmt)
            if isinstance(content, str):
                target.write_text(content, encoding="utf-8")
            else:
                target.write_bytes(content)
            written.append(str(target))
        verdicts = "; ".join(f"{a.name}: {a.verdict}" for a in report.areas)
        context.log.info(f"drafted {key[:7]}: {verdicts}")
    return dg.MaterializeResult(metadata={"files": dg.MetadataValue.json(written)})
