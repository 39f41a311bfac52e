"""dbt's Jinja templates compiled once, not once per dbt process.

dbt compiles each template it renders from its text (`Environment.from_string`): every
macro a build calls (about 190 in a one-month build), every node's SQL and every test's
arguments, in every process, where Jinja's own loaders keep the compiled code in a
bytecode cache. That compiling took about 1.2 s of a one-month build's two worker
threads. Here the code of a template, which depends only on its text and the kind of
environment compiling it (dbt's text and native environments), comes from the code
cache (infra/code_cache.py): a process compiles only the templates no earlier one did.
"""

from __future__ import annotations

from pathlib import Path
from types import CodeType

import jinja2
from dbt_common.clients.jinja import MACRO_DEBUGGING, MacroFuzzEnvironment

from dagster_project.infra import code_cache

_dbt_compile = MacroFuzzEnvironment.compile


def install(path: Path = code_cache.CACHE_FILE) -> None:
    """Compile dbt's templates through the code cache, starting from `path`'s."""
    code_cache.read(path)
    MacroFuzzEnvironment.compile = _compile_once


def _compile_once(
    self: MacroFuzzEnvironment,
    source: str | jinja2.nodes.Template,
    name: str | None = None,
    filename: str | None = None,
    raw: bool = False,
    defer_init: bool = False,
) -> CodeType | str:
    # Only what `from_string` asks (dbt's every render); macro debugging names its files.
    if name or filename or raw or defer_init or not isinstance(source, str) or MACRO_DEBUGGING:
        return _dbt_compile(self, source, name, filename, raw, defer_init)
    return code_cache.compiled(type(self).__name__, source, lambda: _dbt_compile(self, source))
