"""Raw -> audit: how fresh each landing feed is, judged before every serving copy.

The thresholds are the dbt sources' (dbt/models/staging/_staging__sources.yml), read
from the manifest dagster-dbt already holds: no dbt process of its own. A stale feed
is a warning (the run summary lists the asset's `warnings`), never a stop.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.infra.dbt_cli import DbtCli
from dagster_project.infra.dbt_command import PROJECT_MANIFEST
from dagster_project.landing.sources import SOURCES
from dagster_project.quality.freshness import check_sources

SOURCE_FRESHNESS = dg.AssetKey(["audit", "source_freshness"])


@dg.asset(
    key=SOURCE_FRESHNESS,
    group_name="publish",
    deps=[dg.AssetKey(["raw", source.name]) for source in SOURCES],
    kinds={"duckdb"},
)
def source_freshness(duckdb: DuckDBResource, dbt: DbtCli) -> dg.MaterializeResult:
    """Each source's newest row against its freshness threshold, at the run's as-of
    instant (R6) or else now, into audit.source_freshness."""
    with duckdb.get_connection() as con:
        verdicts = check_sources(con, PROJECT_MANIFEST, dbt.as_of())
    stale = [v.message() for v in verdicts if v.is_stale]
    return dg.MaterializeResult(
        metadata={
            "warnings": dg.MetadataValue.json(stale),
            "stale_sources": len(stale),
            **{v.source: v.status for v in verdicts},
        }
    )
