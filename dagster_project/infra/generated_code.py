"""The Python that dbt's dataclasses generate as dbt is imported, compiled once, not in
every process.

Importing dbt defines some 700 dataclasses; for each, Python's `dataclasses` writes the
source of its `__init__`, `__eq__` and the like, and mashumaro (dbt's serialiser) that of
its `to_dict` and `from_dict`, and both compile it with `exec`: 1,600 texts, 2 MB of
source, 0.9 s of the 3 s a process takes to import dbt and build its schemas. Here the
`exec` those modules call compiles a text through the code cache (infra/code_cache.py):
the same text gives the same code whatever the process (no `__future__` flags in
either module, none here either), which then runs in the namespace it was given as
before. Installed before dbt is imported (infra/dbt_server.py, infra/dbt_entry.py).
"""

from __future__ import annotations

import builtins
import importlib
import re
from pathlib import Path

from dagster_project.infra import code_cache

KIND = "python"
# The modules that `exec` generated source, as of mashumaro 3.14 and Python 3.11.
GENERATING_MODULES = (
    "dataclasses",
    "mashumaro.core.meta.code.builder",
    "mashumaro.core.meta.types.common",
    "mashumaro.core.meta.types.pack",
    "mashumaro.core.meta.types.unpack",
)
# mashumaro names some helpers with a random UUID: a text that no other process makes.
_ONE_OFF = re.compile(r"[0-9a-f]{32}")


def install(path: Path = code_cache.CACHE_FILE) -> None:
    """Generated source is compiled through the code cache from now on, starting from
    `path`'s."""
    code_cache.read(path)
    for name in GENERATING_MODULES:
        # A module's own `exec` is found before the builtin one.
        importlib.import_module(name).exec = _exec_compiled_once


def _exec_compiled_once(source, globals=None, locals=None):  # exec's own parameters
    if isinstance(source, str):
        text = source
        source = (
            text
            if _ONE_OFF.search(text)
            else code_cache.compiled(
                KIND, text, lambda: compile(text, "<string>", "exec", dont_inherit=True)
            )
        )
    return builtins.exec(source, globals, locals)
