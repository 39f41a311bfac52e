"""The raw layer as Parquet files, for an engine that reads files, not the DuckDB warehouse
(the dbt project's `spark` target, whose on-run-start hook declares them as `raw.*`).

One file per dbt source of the `raw` schema, `<folder>/<source>.parquet`, written from
the warehouse as its readers see it (`raw.probe_checks` with its rejected lines left out
and each check's file and line), with DuckDB's types: instants as UTC timestamps, lists
as Parquet lists. A full copy: at 200 services x 2 probes x 12 months the probe checks
are about 1 GB of Parquet, where the raw store keeps the landed files themselves.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from dagster_project.infra.dbt_command import PROJECT_MANIFEST
from dagster_project.landing.checks import sql_string


def raw_sources() -> list[str]:
    """The tables dbt reads from the raw schema, as its sources declare them."""
    manifest = PROJECT_MANIFEST.read_text(encoding="utf-8")
    sources = json.loads(manifest)["sources"].values()
    return sorted(s["name"] for s in sources if s["source_name"] == "raw")


def export_raw_layer(warehouse: Path, folder: Path, memory_limit: str) -> list[Path]:
    """Every raw source of `warehouse` into `folder`; each file replaced whole, never seen
    half-written. Returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        con.execute(f"set memory_limit = {sql_string(memory_limit)}")
        # A file's rows in any order (Spark reads them as a set): kept in scan order, 52
        # million probe checks took 45 s and 11 GB.
        con.execute("set preserve_insertion_order = false")
        for name in raw_sources():
            target = folder / f"{name}.parquet"
            partial = target.with_name(f".{target.name}.partial")
            con.execute(
                f"copy (select * from raw.{name}) to {sql_string(str(partial))} "
                "(format parquet, compression zstd)"
            )
            os.replace(partial, target)
            written.append(target)
    return written
