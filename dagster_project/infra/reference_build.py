"""The reference data built once per change, not with every build.

The seeds and the staging views over them (dbt tag `reference_data`) depend on neither
the month, T nor the landed data. So the pipeline's build leaves them and their own
tests out while the warehouse holds them as built from the same CSV files and the same
code: a one-day run builds 113 dbt nodes instead of 149. Tests that read a reference
node and a model of the build still run with the build (dbt's cautious indirect
selection). A publication's build (publish/reports.py) leaves them out the same way
when its scratch copy holds them so.

The fingerprint covers everything the reference nodes are made of: the CSV files, the
nodes' SQL, configuration (column types) and macros, their tests, the engine and the
dbt versions. dbt records it in the warehouse after a build that made every reference
node and passed their tests (dbt/macros/reference_data.sql), and removes the record
after any other build of them; Spark, whose catalog holds its own seeds, builds them
every time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.infra.dbt_command import PROJECT_MANIFEST, manifest_is_stale

TAG = "reference_data"
FINGERPRINT_VARIABLE = "DRIFTSSTATUS_REFERENCE_FINGERPRINT"
# dbt's selection of a build that leaves the reference data out.
LEAVE_OUT = ("--exclude", f"tag:{TAG}", "--indirect-selection", "cautious")


def reference_build_plan(con: duckdb.DuckDBPyConnection, seed_dir: Path) -> tuple[bool, str | None]:
    """Whether the warehouse of `con` holds the reference data a DuckDB build from
    `seed_dir` makes, and that data's fingerprint. Not known, (False, None), while the
    project's manifest is older than one of its files (a project changed under a running
    Dagster): the build then makes it, and records nothing."""
    if manifest_is_stale():
        return False, None
    manifest = json.loads(PROJECT_MANIFEST.read_bytes())
    nodes = reference_nodes(manifest)
    fingerprint = reference_fingerprint(manifest, nodes, seed_dir, "duckdb")
    return reference_data_built(con, manifest, nodes, fingerprint), fingerprint


def reference_fingerprint(
    manifest: Mapping[str, Any], reference: set[str], seed_dir: Path, adapter: str
) -> str:
    """The fingerprint of the reference data (the nodes `reference`) a build with this
    manifest and seed folder makes on `adapter` (e.g. 'duckdb')."""
    nodes, macros = manifest["nodes"], manifest["macros"]
    parts: list[Any] = [adapter, version("dbt-core"), version(f"dbt-{adapter}")]
    for unique_id in sorted(reference):
        node = nodes[unique_id]
        parts.append(
            [
                unique_id,
                node["raw_code"],
                node["config"],
                node.get("test_metadata"),
                [macros[name]["macro_sql"] for name in _macros_used(node, macros)],
            ]
        )
    # The seeds' contents as this build reads them (the manifest's own checksums are of
    # the project's seeds/ folder).
    for table in sorted(seed_dir.glob("*.csv")):
        parts.append([table.name, hashlib.sha256(table.read_bytes()).hexdigest()])
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def reference_nodes(manifest: Mapping[str, Any]) -> set[str]:
    """The reference nodes and the tests that read nothing else."""
    nodes = manifest["nodes"]
    tagged = {uid for uid, node in nodes.items() if TAG in node["tags"]}
    tests = {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "test"
        and node["depends_on"]["nodes"]
        and set(node["depends_on"]["nodes"]) <= tagged
    }
    return tagged | tests


def _macros_used(node: Mapping[str, Any], macros: Mapping[str, Any]) -> list[str]:
    """The project macros the node calls, and those they call, sorted."""
    found: set[str] = set()
    pending = list(node.get("depends_on", {}).get("macros", []))
    while pending:
        name = pending.pop()
        if name not in found and name in macros:
            found.add(name)
            pending += macros[name]["depends_on"]["macros"]
    return sorted(found)


def reference_data_built(
    con: duckdb.DuckDBPyConnection,
    manifest: Mapping[str, Any],
    reference: set[str],
    fingerprint: str,
) -> bool:
    """The warehouse holds the reference data (the nodes `reference`) with this
    fingerprint, every table and view of it still there."""
    relations = {
        (node["schema"], node["alias"])
        for uid in reference
        if (node := manifest["nodes"][uid])["resource_type"] != "test"
    }
    present = set(
        con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "union all select schema_name, view_name from duckdb_views()"
        ).fetchall()
    )
    if ("audit", "reference_data_build") not in present or not relations <= present:
        return False
    found = con.execute(
        "select count(*) from audit.reference_data_build where fingerprint = ?", [fingerprint]
    ).fetchone()[0]
    return found == 1
