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
