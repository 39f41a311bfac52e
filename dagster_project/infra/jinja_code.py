"""dbt's Jinja templates compiled once, not once per dbt process.

dbt compiles each template it renders from its text (`Environment.from_string`): every
macro a build calls (about 190 in a one-month build), every node's SQL and every test's
arguments, in every process, where Jinja's own loaders keep the compiled code in a
bytecode cache. That compiling took about 1.2 s of a one-month build's two worker
threads. Here the code of a template, which depends only on its text and the kind of
environment compiling it (dbt's text and native environments), is kept in memory and in
a file beside dbt's saved parse: a process compiles only the templates no earlier one
did. The dbt server (infra/dbt_server.py) reads the file before it forks, so the dbt it
forks starts with them. The file is a cache: one written by another Python or Jinja, or
unreadable, is ignored; the last process to write it wins.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from pathlib import Path
from types import CodeType

import jinja2
from dbt_common.clients.jinja import MACRO_DEBUGGING, MacroFuzzEnvironment

from dagster_project.infra.dbt_command import TARGET_DIR

CACHE_FILE = TARGET_DIR / "jinja_code.marshal"
# A file that could hold code another interpreter or Jinja compiled is not read.
_VERSION = f"{sys.version} jinja2 {jinja2.__version__}"
# More templates than a build and a parse use: a file grown past it keeps only the
# templates this process used.
_MOST = 5000
_dbt_compile = MacroFuzzEnvironment.compile
_codes: dict[tuple[str, str], CodeType] = {}
_used: set[tuple[str, str]] = set()
_read: set[tuple[str, str]] = set()  # as the file held them when read


def install(path: Path = CACHE_FILE) -> None:
    """Compile dbt's templates through the cache, starting from `path`'s (once a process:
    a forked dbt has its server's)."""
    if MacroFuzzEnvironment.compile is _compile_once:
        return
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        version, codes = marshal.loads(path.read_bytes())
        if version == _VERSION:
            _codes.update(codes)
            _read.update(codes)
    MacroFuzzEnvironment.compile = _compile_once


def save(path: Path = CACHE_FILE) -> None:
    """Write the cache to `path` if this process compiled a template the file lacked."""
    if _codes.keys() <= _read:
        return
    kept = _codes if len(_codes) <= _MOST else {k: _codes[k] for k in _used}
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(OSError):
        scratch.write_bytes(marshal.dumps((_VERSION, kept)))
        os.replace(scratch, path)


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
    key = (type(self).__name__, source)
    _used.add(key)
    if (code := _codes.get(key)) is None:
        code = _codes[key] = _dbt_compile(self, source)
    return code
