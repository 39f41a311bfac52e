"""Code compiled once, not once per process: a cache of compiled code kept by its kind
and its source text, in memory and in a file beside dbt's saved parse.

dbt compiles much of its code from text as it runs: Python that its dataclasses'
serialisers generate as dbt is imported (infra/generated_code.py) and every Jinja
template it renders (infra/jinja_code.py). The code compiled from a text depends only on
that text and the compiler (the kind), so a process compiles only what no earlier one
did. The dbt server (infra/dbt_server.py) reads the file before it imports dbt, so the
dbt it forks starts with all of it. The file is a cache: one written by another Python
or Jinja, or unreadable, is ignored; the last process to write it wins.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import CodeType

import jinja2

from dagster_project.infra.dbt_command import TARGET_DIR

CACHE_FILE = TARGET_DIR / "compiled_code.marshal"
# A file that could hold code another interpreter or Jinja compiled is not read.
_VERSION = f"{sys.version} jinja2 {jinja2.__version__}"
# More than an import of dbt, a build and a parse compile together. A safeguard: texts
# that differ in every process (those naming a random UUID) are never cached
# (infra/generated_code.py), but a file grown past it keeps only the code this process used.
_MOST = 8000
_codes: dict[tuple[str, str], CodeType] = {}
_used: set[tuple[str, str]] = set()
_read: set[tuple[str, str]] = set()  # as the file held them when read
_files_read: set[Path] = set()


def read(path: Path = CACHE_FILE) -> None:
    """Start from the code in `path` (once a process: a forked dbt has its server's)."""
    if path in _files_read:
        return
    _files_read.add(path)
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        version, codes = marshal.loads(path.read_bytes())
        if version == _VERSION:
            _codes.update(codes)
            _read.update(codes)


def compiled(kind: str, source: str, compile_source: Callable[[], CodeType]) -> CodeType:
    """The code of `source` compiled by the compiler `kind`: from the cache, or made by
    `compile_source` and kept."""
    key = (kind, source)
    _used.add(key)
    if (code := _codes.get(key)) is None:
        code = _codes[key] = compile_source()
    return code


def save(path: Path = CACHE_FILE) -> None:
    """Write the cache to `path` if this process compiled code the file lacked."""
    if _codes.keys() <= _read:
        return
    kept = _codes if len(_codes) <= _MOST else {k: _codes[k] for k in _used}
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(OSError):
        scratch.write_bytes(marshal.dumps((_VERSION, kept)))
        os.replace(scratch, path)
        _read.update(kept)  # a process forked from this one writes only what it adds
