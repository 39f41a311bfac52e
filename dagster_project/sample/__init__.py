"""The sample landing data: the seed report's scenario, and scaled data for benchmarks."""

from pathlib import Path

from dagster_project.settings import DEFAULT_REFERENCE_DIR


def check_reference_folder(reference: Path) -> None:
    """A sample's reference data never goes into the project's seeds: they are the
    report's own reference data, kept under version control."""
    if reference.resolve() == DEFAULT_REFERENCE_DIR.resolve():
        raise ValueError(f"{reference} holds the seeds: give another reference folder")
