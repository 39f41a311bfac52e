"""dbt's JSON schemas are built once, not in every dbt process
(dagster_project/infra/schema_cache.py): a process reads the schemas an earlier one
built, they are the ones dbt builds, and a cache of another installation, or a damaged
one, is not read."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import python_json

# Asks dbt for the schemas of a project's settings and of a test's config (whose default
# severity is a str subclass), counting those built; prints them and the count.
_SCHEMAS = """
import json, sys
from pathlib import Path
from dbt.artifacts.resources.v1.config import TestConfig
from dbt.contracts.project import Project
from dbt_common.dataclass_schema import dbtClassMixin
from dagster_project.infra import schema_cache

built = []
lru_cached = dbtClassMixin.json_schema.__func__
def counted(cls):
    built.append(cls.__name__)
    return lru_cached(cls)
dbtClassMixin.json_schema = classmethod(counted)
cache = Path(sys.argv[1])
schema_cache.install(cache)
schemas = {cls.__name__: cls.json_schema() for cls in (Project, TestConfig)}
Project.validate({"name": "x", "version": "1.0.0", "profile": "x"})
schema_cache.save(cache)
severity = schemas["TestConfig"]["properties"]["severity"]["default"]
print(json.dumps({"schemas": schemas, "built": built, "severity": type(severity).__name__}))
"""


def _schemas(cache: Path) -> dict:
    return python_json(_SCHEMAS, str(cache))


def test_ops_a_dbt_process_uses_the_schemas_an_earlier_one_built(tmp_path):
    cache = tmp_path / "json_schemas.pickle"
    first = _schemas(cache)
    assert first["built"] == ["Project", "TestConfig"]
    assert cache.exists()
    second = _schemas(cache)
    assert second["built"] == []
    assert second["schemas"] == first["schemas"]
    assert second["severity"] == first["severity"] == "Severity"


def test_ops_a_schema_cache_of_another_installation_or_damaged_is_not_read(tmp_path):
    cache = tmp_path / "json_schemas.pickle"
    fresh = _schemas(cache)
    # The same schemas under another serialiser's name: as if written by another
    # installation (unpickled here, they would need dbt, which this process does not
    # import as a package).
    kept = cache.read_bytes()
    assert kept.count(b"mashumaro ") == 1
    cache.write_bytes(kept.replace(b"mashumaro ", b"mashumarO "))
    assert _schemas(cache)["built"] == ["Project", "TestConfig"]
    cache.write_bytes(b"\x80\x05 not a pickle")
    again = _schemas(cache)
    assert again["built"] == ["Project", "TestConfig"]
    assert again["schemas"] == fresh["schemas"]
