"""Code dbt compiles from text is compiled once, not in every dbt process
(dagster_project/infra/code_cache.py): its Jinja templates (infra/jinja_code.py) and the
Python its dataclasses generate (infra/generated_code.py). A process runs the code an
earlier one compiled, and it does what freshly compiled code does."""

from __future__ import annotations

import marshal
from pathlib import Path

from tests.helpers import python_json

# Renders each template given in dbt's text environment and says which it compiled.
_RENDER = """
import json, sys
from pathlib import Path
from dbt_common.clients import jinja
from dagster_project.infra import code_cache, jinja_code

cache = Path(sys.argv[1])
jinja_code.install(cache)
compiled = []
compile_once = jinja_code._dbt_compile
def counted(env, source, *args):
    compiled.append(source)
    return compile_once(env, source, *args)
jinja_code._dbt_compile = counted
rendered = [
    jinja.render_template(jinja.get_template(text, {}), {"n": 20}) for text in sys.argv[2:]
]
code_cache.save(cache)
print(json.dumps({"rendered": rendered, "compiled": compiled}))
"""


def _render(cache: Path, *templates: str) -> dict[str, list[str]]:
    return python_json(_RENDER, str(cache), *templates)


def test_ops_a_dbt_process_renders_from_the_templates_an_earlier_one_compiled(tmp_path):
    cache = tmp_path / "compiled_code.marshal"
    first = _render(cache, "select {{ n + 1 }}", "{% for i in range(n) %}{% endfor %}x")
    assert first == {
        "rendered": ["select 21", "x"],
        "compiled": ["select {{ n + 1 }}", "{% for i in range(n) %}{% endfor %}x"],
    }
    # The next process compiles only the template no earlier one did.
    second = _render(cache, "select {{ n + 1 }}", "{{ n * 2 }} rows")
    assert second == {"rendered": ["select 21", "40 rows"], "compiled": ["{{ n * 2 }} rows"]}
    third = _render(cache, "{{ n * 2 }} rows", "select {{ n + 1 }}")
    assert third == {"rendered": ["40 rows", "select 21"], "compiled": []}


def test_ops_a_template_cache_of_another_python_or_jinja_is_not_read(tmp_path):
    cache = tmp_path / "compiled_code.marshal"
    _render(cache, "select {{ n + 1 }}")
    version, codes = marshal.loads(cache.read_bytes())
    cache.write_bytes(marshal.dumps(("another Python " + version, codes)))
    assert _render(cache, "select {{ n + 1 }}")["compiled"] == ["select {{ n + 1 }}"]
    cache.write_bytes(b"not marshalled code")
    assert _render(cache, "select {{ n + 1 }}") == {
        "rendered": ["select 21"],
        "compiled": ["select {{ n + 1 }}"],
    }


# Defines a dataclass with mashumaro's serialiser, as dbt's are, and says what it does
# and which generated texts it compiled.
_DEFINE = """
import json, sys
from pathlib import Path
from dagster_project.infra import code_cache, generated_code

cache = Path(sys.argv[1])
generated_code.install(cache)
before = set(code_cache._codes)
from dataclasses import dataclass
from mashumaro import DataClassDictMixin

@dataclass(frozen=True)
class Row(DataClassDictMixin):
    service_id: str
    minutes: int = 0
    probes: tuple[str, ...] = ()

row = Row.from_dict({"service_id": "s1", "minutes": 3, "probes": ["p1", "p2"]})
compiled = [k[1] for k in set(code_cache._codes) - before if k[0] == "python"]
code_cache.save(cache)
print(json.dumps({
    "row": repr(row),
    "dict": row.to_dict(),
    "equal": row == Row("s1", 3, ("p1", "p2")),
    "hash_equal": hash(row) == hash(Row("s1", 3, ("p1", "p2"))),
    "compiled": len(compiled),
}))
"""


def _define(cache: Path) -> dict:
    return python_json(_DEFINE, str(cache))


def test_ops_a_dataclass_made_from_cached_code_is_the_one_python_makes(tmp_path):
    cache = tmp_path / "compiled_code.marshal"
    first, second = _define(cache), _define(cache)
    expected = {
        "row": "Row(service_id='s1', minutes=3, probes=('p1', 'p2'))",
        "dict": {"service_id": "s1", "minutes": 3, "probes": ["p1", "p2"]},
        "equal": True,
        "hash_equal": True,
    }
    # The first compiled the class's __init__, __eq__, __hash__, from_dict and to_dict ...
    assert {k: v for k, v in first.items() if k != "compiled"} == expected
    assert first["compiled"] >= 5
    # ... the next one none of them, and its class does the same.
    assert second == {**expected, "compiled": 0}
