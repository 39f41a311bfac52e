"""Session fixtures: the sample data run once through the real pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dagster_project.infra.dbt_cli import prepare_manifest
from dagster_project.settings import serving_copy_of
from tests.helpers import LANDING_SMALL, SMALL_AS_OF, driftsstatus, pipeline_env

# The longest tests (minutes each, measured on CI) start first. `make test` runs
# `pytest -n 2 --maxschedchunk 1`: a worker takes the next test in this order when it is
# done with one, so no long test starts last and runs alone at the end (by default
# xdist hands each worker a long run of consecutive tests up front).
SLOW_FIRST = (
    "test_landing_folder.py",  # 7 min
    "test_instance.py",  # 2 x 3 min: the first two workers' second tests
    "test_serve_end_to_end.py",  # 7 min
    "test_landing_properties.py",
    "test_serving_during_run.py",
    "test_idempotence.py",
    "test_publication.py",
    "test_quality.py",
    "test_publish_safety.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


def pytest_configure(config: pytest.Config) -> None:
    """The dbt manifest, which the dbt assets are declared from, before any test module
    imports them (the entry points prepare it the same way)."""
    prepare_manifest()


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("sample") / "landing"
    driftsstatus("sample", "--out", str(landing))
    return landing


@pytest.fixture(scope="session")
def sample_run(sample_landing: Path, tmp_path_factory: pytest.TempPathFactory):
    """`driftsstatus run` on the sample data: (warehouse path, environment, run output)."""
    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    env = pipeline_env(sample_landing, warehouse)
    result = driftsstatus("run", env=env)
    return warehouse, env, result.stdout


@pytest.fixture(scope="session")
def warehouse(sample_run) -> Path:
    """The warehouse file the pipeline wrote; its serving copy lies next to it."""
    return sample_run[0]


@pytest.fixture(scope="session")
def served(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse path with only its serving copy present (a copy of the pipeline's), so
    whatever reads it provably reads the serving copy and never the pipeline's file."""
    target = tmp_path_factory.mktemp("served") / "warehouse.duckdb"
    shutil.copyfile(serving_copy_of(warehouse), serving_copy_of(target))
    return target


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory):
    """`driftsstatus run` on tests/landing_small as of SMALL_AS_OF (one situation per
    rule): (warehouse path, run output)."""
    root = tmp_path_factory.mktemp("small")
    landing = shutil.copytree(LANDING_SMALL, root / "landing")
    warehouse = root / "warehouse.duckdb"
    result = driftsstatus("run", env=pipeline_env(landing, warehouse, as_of=SMALL_AS_OF))
    return warehouse, result.stdout
