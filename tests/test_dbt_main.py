"""What infra/dbt_main.py replaces in dbt answers as dbt does (in a process of its own:
the tests' process keeps dbt out, infra/dbt_cli.py)."""

from __future__ import annotations

import os
import subprocess
import sys

# Behaviour flags that do not name their source, made in a module file and in a module
# without one: their sources with the project's lookup, then with dbt's own.
FLAG_SOURCES = """
import types
from dbt_common.behavior_flags import BehaviorFlagRendered
from dagster_project.infra import dbt_main
import flags_maker
fileless = types.ModuleType("fileless_maker")
exec(open(flags_maker.__file__).read(), fileless.__dict__)
dbt_main.install()
print(BehaviorFlagRendered._default_source is dbt_main.calling_module)
print(flags_maker.source(), fileless.source())
BehaviorFlagRendered._default_source = staticmethod(dbt_main._dbt["_default_source"])
print(flags_maker.source(), fileless.source())
"""
MAKER = """
from dbt_common.behavior_flags import Behavior

def source():
    flag = {"name": "a_flag", "default": False, "description": "A flag."}
    return Behavior([flag], {}).a_flag._behavior_change_event.flag_source
"""


def test_ops_a_behaviour_flag_without_a_source_is_named_after_the_module_dbt_names(tmp_path):
    (tmp_path / "flags_maker.py").write_text(MAKER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", FLAG_SOURCES],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    # Neither the module without a file nor `python -c` has a module to name.
    assert done.stdout.splitlines() == ["True", "flags_maker Unknown", "flags_maker Unknown"]


# A query result read as dbt reads it, with dbt's type tester and with the project's.
AGATE_TYPES = """
from dbt_common.clients import agate_helper
from dagster_project.infra import agate_types
rows = [(1, "2024-01-01", "x", None, "null", "1.5"), (2, "2024-01-02", "", "", "", None)]
names = ["n", "day", "text", "empty", "word", "number"]
def read():
    table = agate_helper.table_from_rows(rows, names, text_only_columns=["word"])
    return [type(t).__name__ for t in table.column_types], [list(r) for r in table.rows]
dbts = read()
agate_types.install()
print(read() == dbts, dbts[0])
print(agate_helper.build_type_tester(["word"], ()) is agate_helper.build_type_tester(("word",), []))
import warnings
with warnings.catch_warnings(record=True) as caught:
    agate_helper.table_from_rows(rows, names, text_only_columns=["an_optional_column"])
print(len(caught))
"""


def test_ops_query_results_are_typed_as_dbt_types_them_with_one_tester_per_text_columns():
    done = subprocess.run(
        [sys.executable, "-c", AGATE_TYPES], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "True ['Integer', 'Date', 'Text', 'Number', 'Text', 'Number']",
        "True",
        "0",  # no warning of an optional column the file leaves out
    ]
