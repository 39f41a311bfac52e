"""The expectation suites: reviewed JSON in expectations/, one per landing source.

The JSON restates the data contract of landing/sources.py (columns, required values,
value sets, ranges, row rules); tests/test_contract_facts.py holds every fact of it to
sources.py. The one value that lives elsewhere, the set of known service ids, is a
suite parameter (`{"$PARAMETER": "known_service_ids"}`) filled from the services seed
when a suite is run, so a new service needs no suite edit.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from dagster_project.reference import known_service_ids
from dagster_project.settings import EXPECTATIONS_DIR


def suite_path(source_name: str) -> Path:
    return EXPECTATIONS_DIR / f"{source_name}.json"


@cache
def suite_document(source_name: str) -> dict[str, Any]:
    """The suite as written in expectations/<source>.json (read once per process)."""
    with suite_path(source_name).open(encoding="utf-8") as handle:
        document = json.load(handle)
    if document.get("name") != source_name:
        raise ValueError(f"{suite_path(source_name)}: name must be {source_name!r}")
    return document


@cache
def gx_suite(source_name: str):
    """The suite as a GX ExpectationSuite (built once per process; GX imported lazily)."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(**suite_document(source_name))
    # GX returns results grouped by metric, not in suite order: the position is the key.
    for position, expectation in enumerate(suite.expectations):
        expectation.id = str(position)
    return suite


def suite_parameters(reference_dir: Path) -> dict[str, Any]:
    """Values for the suites' `$PARAMETER` placeholders, from the reference data."""
    return {"known_service_ids": known_service_ids(reference_dir)}
