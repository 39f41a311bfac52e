"""Land -> load: one asset per landing source, each a raw table in DuckDB.

Probe checks and service calls are partitioned by Copenhagen day: a run over a day
range replaces only the rows of those days. The other sources are small and loaded
whole.
"""

from datetime import UTC
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.partitions import daily
from dagster_project.defs.quality import begin_validation, sample_as_loaded
from dagster_project.defs.resources import LandingFolder
from dagster_project.landing.loader import (
    ACCOUNTED,
    Window,
    check_landing,
    load_source,
    unaccounted_files,
)
from dagster_project.landing.sources import SOURCES, SOURCES_BY_NAME, Source


def _raw_tables(name: str, sources: list[Source], **partitioning) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=name,
        specs=[
            dg.AssetSpec(
                ["raw", source.name],
                group_name="landing",
                kinds={"duckdb"},
                description=f"Rows of the files in the landing folder's {source.name}/ folder.",
                **partitioning,
            )
            for source in sources
        ],
        check_specs=[
            dg.AssetCheckSpec(
                ACCOUNTED,
                asset=["raw", source.name],
                blocking=True,
                description=(
                    "Rows loaded + rows rejected = data rows, for every window of every file "
                    "the load changed."
                ),
            )
            for source in sources
        ],
        can_subset=True,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioning else None,
    )
    def load(context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingFolder):
        """Load new and changed files, one transaction per file (one writer at a time)."""
        window = _window(context) if partitioning else None
        keys = sorted(context.selected_asset_keys, key=lambda k: k.path[-1])
        allow_empty = frozenset(landing.allow_empty)
        with duckdb.get_connection() as con:
            # An unmounted share or an emptied folder stops the load before any source.
            selected = [SOURCES_BY_NAME[key.path[-1]] for key in keys]
            check_landing(con, Path(landing.path), selected, allow_empty)
            for key in keys:
                yield from _load(context, con, duckdb, landing, key, window)

    return load


def _window(context: dg.AssetExecutionContext) -> Window:
    span = context.partition_time_window
    return span.start.astimezone(UTC), span.end.astimezone(UTC)


def _load(
    context, con, warehouse: DuckDBResource, landing: LandingFolder, key: dg.AssetKey, window
):
    source = SOURCES_BY_NAME[key.path[-1]]
    reference = Path(landing.reference_dir)
    summary = load_source(
        con,
        Path(landing.path),
        source,
        window,
        frozenset(landing.allow_empty),
        reference,
        on_loaded=sample_as_loaded(warehouse, source.name),
    )
    # Validated while Dagster records the load (quality/early.py).
    begin_validation(con, warehouse, source.name, reference)
    for name, reason in summary.rejected_files:
        context.log.warning(f"rejected file {name}: {reason}")
    for name, rows in summary.removed_files:
        context.log.warning(f"removed file {name}: its {rows:,} rows went with it")
    yield dg.MaterializeResult(asset_key=key, metadata=summary.as_metadata())
    if dg.AssetCheckKey(key, ACCOUNTED) in context.selected_asset_check_keys:
        # The files this load changed: the others' rows are as the last check found them.
        missing = unaccounted_files(con, source, summary.changed_files)
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


raw_tables = _raw_tables("raw_tables", [s for s in SOURCES if not s.daily])
daily_raw_tables = _raw_tables(
    "daily_raw_tables", [s for s in SOURCES if s.daily], partitions_def=daily
)
