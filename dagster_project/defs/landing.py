"""Land -> load: one asset per landing source, each a raw table in DuckDB."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import LandingFolder
from dagster_project.landing.loader import load_source, unaccounted_files
from dagster_project.landing.sources import SOURCES, SOURCES_BY_NAME

ACCOUNTED = "every_row_accounted_for"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", source.name],
            group_name="landing",
            kinds={"duckdb"},
            description=f"Rows of the files in the landing folder's {source.name}/ folder.",
        )
        for source in SOURCES
    ],
    check_specs=[
        dg.AssetCheckSpec(
            ACCOUNTED,
            asset=["raw", source.name],
            blocking=True,
            description="Rows loaded + rows rejected = data rows, for every file.",
        )
        for source in SOURCES
    ],
    can_subset=True,
)
def raw_tables(context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingFolder):
    """Load new and changed files, one transaction per file (one writer at a time)."""
    with duckdb.get_connection() as con:
        for key in sorted(context.selected_asset_keys, key=lambda k: k.path[-1]):
            source = SOURCES_BY_NAME[key.path[-1]]
            summary = load_source(con, Path(landing.path), source)
            for name, reason in summary.rejected_files:
                context.log.warning(f"rejected file {name}: {reason}")
            yield dg.MaterializeResult(asset_key=key, metadata=summary.as_metadata())
            if dg.AssetCheckKey(key, ACCOUNTED) in context.selected_asset_check_keys:
                missing = unaccounted_files(con, source)
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=ACCOUNTED,
                    passed=not missing,
                    metadata={
                        "files_not_accounted_for": dg.MetadataValue.md(
                            "\n".join(
                                f"- {file}: {rows} rows read, {raw} loaded, {rejected} rejected"
                                for file, rows, raw, rejected in missing
                            )
                            or "none"
                        )
                    },
                )
