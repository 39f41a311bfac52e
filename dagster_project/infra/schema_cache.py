"""The JSON schemas of dbt's classes, built once, not once per process.

dbt validates its settings, and each node it parses, against the JSON schema of the class
it loads them into, built the first time it is asked for (`dbtClassMixin.json_schema`):
0.3 s for the schemas every command needs, 0.45 s more for those of a parse, all of it
in the dbt server's start (infra/dbt_server.py), which a publication and a one-day
run wait for. A class's schema depends only on the code of dbt and its serialiser, so
it is kept in a file beside dbt's saved parse, under those packages' versions and
Python's: another installation reads none of it. The file is a cache, as the code
cache's (infra/code_cache.py): an unreadable one is ignored, the last writer wins.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from dagster_project.infra.dbt_command import TARGET_DIR

CACHE_FILE = TARGET_DIR / "json_schemas.pickle"
_PACKAGES = ("dbt-core", "dbt-common", "dbt-adapters", "dbt-duckdb", "mashumaro")
_schemas: dict[str, dict[str, Any]] = {}
_read: set[str] = set()  # as the file held them when read


def install(path: Path = CACHE_FILE) -> None:
    """dbt's classes take their schemas from the cache from now on, starting from
    `path`'s (once a process: a forked dbt has its server's)."""
    from dbt_common.dataclass_schema import dbtClassMixin

    if getattr(dbtClassMixin.json_schema, "_cached", False):
        return
    # Any failure to read it (damaged, or naming a class dbt no longer has) is a miss.
    with contextlib.suppress(Exception):
        kept_version, schemas = pickle.loads(path.read_bytes())
        if kept_version == _version():
            _schemas.update(schemas)
            _read.update(schemas)
    built = dbtClassMixin.json_schema.__func__

    def json_schema(cls) -> dict[str, Any]:
        key = f"{cls.__module__}.{cls.__qualname__}"
        if (schema := _schemas.get(key)) is None:
            schema = _schemas[key] = built(cls)
        return schema

    json_schema._cached = True  # type: ignore[attr-defined]
    dbtClassMixin.json_schema = classmethod(json_schema)


def save(path: Path = CACHE_FILE) -> None:
    """Write the cache to `path` if this process built schemas the file lacked."""
    if _schemas.keys() <= _read:
        return
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(OSError, pickle.PicklingError):
        scratch.write_bytes(pickle.dumps((_version(), _schemas), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(scratch, path)
        _read.update(_schemas)


def _version() -> str:
    return " ".join([sys.version, *(f"{name} {version(name)}" for name in _PACKAGES)])
