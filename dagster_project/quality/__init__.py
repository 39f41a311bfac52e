"""Data-quality validation of the raw tables with Great Expectations.

Suites live as reviewed JSON in expectations/; `validate_files` runs one on the
rows each landed file gave its raw table and records the outcome in
audit.validation_results. The Dagster asset checks are in defs/quality.py.
"""

from dagster_project.quality.results import (
    ExpectationOutcome,
    ValidationOutcome,
    current_failures,
    ensure_results_table,
    files_to_validate,
    forget_unloaded,
)
from dagster_project.quality.suites import gx_suite, suite_document, suite_parameters
from dagster_project.quality.validate import validate_file, validate_files

__all__ = [
    "ExpectationOutcome",
    "ValidationOutcome",
    "current_failures",
    "ensure_results_table",
    "files_to_validate",
    "forget_unloaded",
    "gx_suite",
    "suite_document",
    "suite_parameters",
    "validate_file",
    "validate_files",
]
