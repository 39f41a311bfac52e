"""The reference data (the dbt seeds in the configured reference folder), read where
Python needs it: the loader's checks and the GX suites' parameters both use it, so
neither has to import the other."""

from __future__ import annotations

import csv

from dagster_project.settings import load_settings


def known_service_ids() -> list[str]:
    """The service ids of the reference data (the configured services seed)."""
    with (load_settings().reference_dir / "services.csv").open(encoding="utf-8") as handle:
        return [row["service_id"] for row in csv.DictReader(handle)]
