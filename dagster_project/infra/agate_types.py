"""dbt's agate type tester, made once per set of forced text columns.

dbt reads every query result it keeps (each test's failure count, each `run_query` of a
macro) into an agate table, and builds the table's type tester anew each time: its
date types each parse their locale's formats into regular expressions (parsedatetime),
0.2-0.4 s of a full build's CPU over its 75 tests. A type tester is never changed by
using it (dbt keeps one for tables without forced columns already), so one per set of
text columns serves every table.

A seed's file may leave out an optional column that its `column_types` force to text
(`with_optional_columns`, e.g. a reference folder's services without `measured_as`):
agate's warning about it, a Python traceback line in the run's log, is left out.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from functools import cache

from dbt_common.clients import agate_helper

_dbt: dict[str, Callable] = {}  # dbt's own build_type_tester, once replaced


def install() -> None:
    """The cached type tester, once per process."""
    if not _dbt:
        _dbt["build_type_tester"] = agate_helper.build_type_tester
        agate_helper.build_type_tester = _build_type_tester
        warnings.filterwarnings(
            "ignore", '".*" does not match the name of any column', RuntimeWarning, "agate"
        )


def _build_type_tester(
    text_columns: Iterable[str], string_null_values: Iterable[str] | None = ("null", "")
):
    null_values = None if string_null_values is None else tuple(string_null_values)
    return _type_tester(tuple(text_columns), null_values)


@cache
def _type_tester(text_columns: tuple[str, ...], string_null_values: tuple[str, ...] | None):
    return _dbt["build_type_tester"](text_columns, string_null_values)
