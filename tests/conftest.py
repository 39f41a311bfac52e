"""Session fixtures: the sample data and the small landing folder, each run once through the
real pipeline for the whole session."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from filelock import FileLock

from dagster_project.infra.dbt_cli import prepare_manifest
from dagster_project.settings import serving_copy_of
from tests.helpers import (
    LANDING_SMALL,
    SMALL_AS_OF,
    copy_warehouse,
    driftsstatus,
    pipeline_env,
)

# The longest tests (minutes each, measured on CI) start first. `make test` runs
# `pytest -n 2 --maxschedchunk 1`: a worker takes the next test in this order when it is
# done with one, so no long test starts last and runs alone at the end (by default
# xdist hands each worker a long run of consecutive tests up front).
SLOW_FIRST = (
    "test_serve_end_to_end.py",  # 2.5 min, and no shared build to wait for
    "test_instance.py",  # its first test builds the shared sample run meanwhile
    "test_landing_properties.py",  # 2 min
    "test_sample_declarations.py",  # builds the declarations sample, 1.5 min
    "test_spark_parity.py",  # a Spark build of the declarations sample, 1 min
    "test_serving_during_run.py",
    "test_alerts.py",
    "test_landing_folder.py",
    "test_idempotence.py",
    "test_publication.py",
    "test_penalties.py",
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


def _built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict]) -> dict:
    """What `build(folder)` returns, built once for the whole test session: with xdist the
    first worker to ask builds it under a lock in the folder all workers share, and the
    others wait for it instead of building their own (a sample run costs minutes). What
    it builds is read by tests, never written: a test that changes it works on a copy."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    shared = factory.getbasetemp().parent if worker else factory.getbasetemp()
    folder, done = shared / name, shared / f"{name}.json"
    with FileLock(shared / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            done.write_text(json.dumps(build(folder)), encoding="utf-8")
    return json.loads(done.read_text(encoding="utf-8"))


def _sample_landing(folder: Path) -> dict:
    driftsstatus("sample", "--out", str(folder / "landing"))
    return {"landing": str(folder / "landing")}


def _sample(folder: Path, landing: Path) -> dict:
    warehouse = folder / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    env = pipeline_env(landing, warehouse)
    return {"warehouse": str(warehouse), "env": env, "stdout": driftsstatus("run", env=env).stdout}


def _declared(folder: Path) -> dict:
    landing, reference = folder / "landing", folder / "reference"
    written = driftsstatus("sample", "--declarations", "--out", str(landing)).stdout
    warehouse = folder / "warehouse.duckdb"
    env = {**pipeline_env(landing, warehouse), "DRIFTSSTATUS_REFERENCE_DIR": str(reference)}
    run = driftsstatus("run", env=env).stdout
    return {"warehouse": str(warehouse), "env": env, "sample": written, "run": run}


def _small(folder: Path) -> dict:
    landing = shutil.copytree(LANDING_SMALL, folder / "landing")
    warehouse = folder / "warehouse.duckdb"
    result = driftsstatus("run", env=pipeline_env(landing, warehouse, as_of=SMALL_AS_OF))
    return {"warehouse": str(warehouse), "landing": str(landing), "stdout": result.stdout}


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data (`driftsstatus sample`): on its own, so a test that only reads the
    data never waits for the sample run."""
    return Path(_built_once(tmp_path_factory, "sample-landing", _sample_landing)["landing"])


@pytest.fixture(scope="session")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Callable], dict]:
    """`built_once(name, build)`: a module's pipeline run, built once for the whole session
    (see _built_once) instead of once for each worker that runs one of its tests."""
    return partial(_built_once, tmp_path_factory)


@pytest.fixture(scope="session")
def sample_built(sample_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _built_once(tmp_path_factory, "sample", lambda folder: _sample(folder, sample_landing))


@pytest.fixture(scope="session")
def sample_run(sample_built: dict):
    """`driftsstatus run` on the sample data: (warehouse path, environment, run output)."""
    return Path(sample_built["warehouse"]), sample_built["env"], sample_built["stdout"]


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
def declared_built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`driftsstatus sample --declarations` and `driftsstatus run` on it with its reference
    folder: warehouse, environment, and both commands' output."""
    return _built_once(tmp_path_factory, "declared", _declared)


@pytest.fixture(scope="session")
def small_built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _built_once(tmp_path_factory, "small", _small)


@pytest.fixture(scope="session")
def small_run(small_built: dict):
    """`driftsstatus run` on tests/landing_small as of SMALL_AS_OF (one situation per
    rule): (warehouse path, run output)."""
    return Path(small_built["warehouse"]), small_built["stdout"]


@pytest.fixture
def small_site(small_built: dict, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the small run's landing folder and warehouse (with its serving copy and
    raw store) for a test that runs on: (landing folder, warehouse)."""
    landing = shutil.copytree(small_built["landing"], tmp_path / "landing")
    warehouse = copy_warehouse(
        Path(small_built["warehouse"]), tmp_path / "warehouse.duckdb", serving=True
    )
    return landing, warehouse
