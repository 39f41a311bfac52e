"""The reference data (the dbt seeds in the configured reference folder), read where
Python needs it: the loader's checks and the GX suites' parameters both use it, so
neither has to import the other."""

from __future__ import annotations

import csv
from pathlib import Path

from dagster_project.settings import DEFAULT_REFERENCE_DIR


def known_service_ids(reference_dir: Path = DEFAULT_REFERENCE_DIR) -> list[str]:
    """The service ids the feeds may name: the services seed's rows, and the ids its
    service-time classes are measured as (`measured_as`, R2)."""
    with (reference_dir / "services.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ids = [row["service_id"] for row in rows]
    ids += [row.get("measured_as") or "" for row in rows]
    return list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
