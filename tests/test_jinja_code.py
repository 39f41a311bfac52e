"""dbt's Jinja templates are compiled once, not in every dbt process
(dagster_project/infra/jinja_code.py): a process renders from the code an earlier one
compiled, and renders the same text."""

from __future__ import annotations

import json
import marshal
import subprocess
import sys
from pathlib import Path

# Renders each template given in dbt's text environment and says which it compiled.
_RENDER = """
import json, sys
from pathlib import Path
from dbt_common.clients import jinja
from dagster_project.infra import jinja_code

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
jinja_code.save(cache)
print(json.dumps({"rendered": rendered, "compiled": compiled}))
"""


def _render(cache: Path, *templates: str) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _RENDER, str(cache), *templates],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_ops_a_dbt_process_renders_from_the_templates_an_earlier_one_compiled(tmp_path):
    cache = tmp_path / "jinja_code.marshal"
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
    cache = tmp_path / "jinja_code.marshal"
    _render(cache, "select {{ n + 1 }}")
    version, codes = marshal.loads(cache.read_bytes())
    cache.write_bytes(marshal.dumps(("another Python " + version, codes)))
    assert _render(cache, "select {{ n + 1 }}")["compiled"] == ["select {{ n + 1 }}"]
    cache.write_bytes(b"not marshalled code")
    assert _render(cache, "select {{ n + 1 }}") == {
        "rendered": ["select 21"],
        "compiled": ["select {{ n + 1 }}"],
    }
