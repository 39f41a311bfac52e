"""The data contract's row checks, as SQL over the staged text of a file.

Every check yields a reject reason naming the column and the rule (e.g.
``calls: not an integer '1.5'``); a row's reasons are joined with '; '. Values are
read strictly: an integer is digits, a number is decimal notation, a timestamp has an
offset of at most 14 hours and lies where the warehouse can place it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from dagster_project.landing.sources import INVISIBLE, Column, Source
from dagster_project.timeline import (
    FIRST_MONTH,
    PLANNED_AHEAD,
    end_of_day,
    first_instant,
    local_today,
)

# A time of day (after the date's 'T' or space), then 'Z' or +hh[:mm] up to 14 hours
# (the widest zone in use), minutes below 60. The time first: a date alone ends in what
# looks like an offset ('2024-01-05': -05), which DuckDB reads as midnight UTC.
TIME_PATTERN = r"[Tt ][0-9]"
OFFSET_PATTERN = r"[Tt ][0-9:.,]*[0-9] ?(Z|z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$"
INTEGER_PATTERN = r"^[+-]?[0-9]+$"
NUMBER_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"


@dataclass(frozen=True)
class TimeLimits:
    """Where the warehouse can place an instant: [first, horizon), planned things up to
    `planned_until`. Rows outside are rejected, never dropped."""

    first: datetime
    today: date  # the Copenhagen day in progress
    horizon: datetime  # its end: the last daily partition ends here
    planned_until: datetime

    @classmethod
    def now(cls) -> TimeLimits:
        today = local_today()
        horizon = end_of_day(today)
        return cls(first_instant(), today, horizon, horizon + PLANNED_AHEAD)

    def upper(self, column: Column) -> datetime:
        return self.planned_until if column.planned else self.horizon

    def places(self, instant: datetime, column: Column) -> bool:
        """The instant can be placed (what `placeable` says in SQL)."""
        return self.first <= instant < self.upper(column)

    def placeable(self, expr: str, column: Column) -> str:
        """SQL: the instant `expr` where it can be placed, else NULL."""
        return (
            f"case when {expr} >= {_literal(self.first)} and {expr} < "
            f"{_literal(self.upper(column))} then {expr} end"
        )

    def beyond(self, expr: str, column: Column) -> str:
        """SQL: the instant lies after the upper limit (it may be placeable another day)."""
        return f"coalesce({expr} >= {_literal(self.upper(column))}, false)"


def _literal(instant: datetime) -> str:
    return f"timestamptz '{instant.isoformat()}'"


@dataclass(frozen=True)
class Check:
    """One rule as (condition, reason) branches: the first true branch gives the reason."""

    branches: tuple[tuple[str, str], ...]

    @property
    def sql(self) -> str:
        return "case " + " ".join(f"when {c} then {r}" for c, r in self.branches) + " end"

    @property
    def fails(self) -> str:
        return " or ".join(f"coalesce({c}, false)" for c, _ in self.branches)


def _check(condition: str, reason: str) -> Check:
    return Check(((condition, reason),))


def checked_rows_sql(
    source: Source, services: list[str], native: frozenset[str], limits: TimeLimits, rows: str
) -> str:
    """`rows` (`staged` with each column's value: `valued_rows_sql`) with `_reason`: NULL
    for a good row, else every broken rule.

    The reasons (string work) are only built for rows that fail a condition: a cheap
    test of every condition first, so a clean file of millions of rows costs one scan.
    """
    known = ", ".join(sql_string(s) for s in services)
    checks = [
        check
        for c in source.columns
        for check in _column_checks(c, known, c.name in native, limits)
    ]
    values = {c.name: value_of(c, c.name in native) for c in source.columns}
    for condition, reason in source.row_rules:
        condition = re.sub(r"\b\w+\b", lambda m: values.get(m[0], m[0]), condition)
        checks.append(_check(f"not coalesce({condition}, true)", f"'{reason}'"))
    reason = f"nullif(concat_ws('; ', {', '.join(c.sql for c in checks)}), '')"
    fails = " or ".join(f"({c.fails})" for c in checks) or "false"
    if source.readable:
        unreadable = " ".join(
            f"when not coalesce({condition}, false) then '{message}'"
            for condition, message in source.readable
        )
        reason = f"case {unreadable} else {reason} end"
        fails = "true"  # a JSON line's checks read the document: no cheaper test
    # A record DuckDB could not split into fields carries its reason from the reader.
    return f"select *, coalesce(_error, case when {fails} then {reason} end) as _reason from {rows}"


def valued_rows_sql(source: Source, native: frozenset[str], rows: str = "staged") -> str:
    """`rows` (the staged file) with each text column trimmed once and parsed once: the
    checks, the instant and the insert read these instead of parsing the text again
    per use."""
    text = [c for c in source.columns if c.name not in native]
    if not text:
        return f"select * from {rows}"  # a natively typed column is its own value
    trimmed = ", ".join(f"nullif(trim({c.name}), '') as {_text_of(c)}" for c in text)
    values = ", ".join(f"{typed(c, text=_text_of(c))} as {value_of(c)}" for c in text)
    return f"select *, {values} from (select *, {trimmed} from {rows})"


def value_of(column: Column, native: bool = False) -> str:
    """The name of the column's typed value in the checked rows."""
    return column.name if native else f"{column.name}__value"


def _text_of(column: Column) -> str:
    return f"{column.name}__text"


def typed(column: Column, native: bool = False, text: str | None = None) -> str:
    """SQL: the column's value in its raw table's type (NULL where unreadable); `text`
    names its trimmed text where that is computed already."""
    if native:
        return column.name
    v = text or f"nullif(trim({column.name}), '')"
    return {
        "timestamp": instant_of(v),
        "int": f"try_cast({v} as bigint)",
        "number": f"try_cast({v} as double)",
        "id_list": f"try_cast({column.name} as varchar[])",
    }.get(column.kind, v)


def instant_of(text: str) -> str:
    """SQL: the instant the trimmed text `text` writes, NULL where it is not one. RFC 3339
    allows a lower-case 't' and 'z', which DuckDB does not read."""
    return f"try_cast(upper({text}) as timestamptz)"


def sql_string(value: str) -> str:
    """A text (a file name, a path, an id) as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _quote(expr: str) -> str:
    """SQL for the text `'<value>'` inside a reject reason."""
    return f"'''' || {expr} || ''''"


def _column_checks(column: Column, known: str, native: bool, limits: TimeLimits) -> list[Check]:
    if native:
        return _native_checks(column, limits)
    v, text, value = column.name, _text_of(column), value_of(column)
    present = f"{text} is not null"
    checks = [_check(f"contains({v}, chr(0))", f"'{v}: contains a NUL byte'")]
    if column.required:
        checks.append(_check(f"not {present}", f"'{v}: missing'"))
    if column.kind == "timestamp":
        checks.append(
            Check(
                (
                    (
                        # One pattern per row; the time of day only where it fails.
                        f"{present} and not regexp_matches({text}, '{OFFSET_PATTERN}')",
                        f"case when regexp_matches({text}, '{TIME_PATTERN}') "
                        f"then '{v}: no UTC offset in ' else '{v}: not a timestamp ' end "
                        f"|| {_quote(v)}",
                    ),
                    (
                        f"{present} and {value} is null",
                        f"'{v}: not a timestamp ' || {_quote(v)}",
                    ),
                )
            )
        )
        checks.append(_range_check(column, value, _quote(v), limits))
    elif column.kind == "enum":
        allowed = ", ".join(sql_string(a) for a in column.allowed)
        checks.append(
            _check(
                f"{present} and {text} not in ({allowed})",
                f"'{v}: ' || {_quote(v)} || ' not one of {', '.join(column.allowed)}'",
            )
        )
    elif column.kind in ("int", "number"):
        integer = column.kind == "int"
        pattern = INTEGER_PATTERN if integer else NUMBER_PATTERN
        checks.append(
            Check(
                (
                    (
                        f"{present} and not regexp_matches({text}, '{pattern}')",
                        f"'{v}: not a{'n integer' if integer else ' number'} ' || {_quote(v)}",
                    ),
                    (
                        f"{present} and {value} is null",
                        f"'{v}: out of range ' || {_quote(v)}",
                    ),
                )
            )
        )
        checks += _bounds_checks(column, value, _quote(v))
    elif column.kind == "id":
        invisible = sql_string(INVISIBLE)
        checks.append(
            _check(
                f"{present} and regexp_matches({text}, {invisible})",
                f"'{v}: an invisible or control character (' || "
                f"format('U+{{:04X}}', unicode(regexp_extract({text}, {invisible}))) || ') in ' "
                f"|| {_quote(v)}",
            )
        )
    elif column.kind == "service_id":
        checks.append(
            _check(
                f"{present} and {text} not in ({known})",
                f"'{v}: unknown service ' || {_quote(v)}",
            )
        )
    elif column.kind == "id_list":
        checks.append(
            Check(
                (
                    (
                        f"{present} and (json_type({v}) != 'ARRAY' or len({value}) = 0)",
                        f"'{v}: not a non-empty list in ' || {_quote(v)}",
                    ),
                    (
                        f"{present} and len(list_filter({value}, lambda x: x is null or x not in "
                        f"({known}))) > 0",
                        f"'{v}: unknown service in ' || {_quote(v)}",
                    ),
                )
            )
        )
    return checks


def _native_checks(column: Column, limits: TimeLimits) -> list[Check]:
    """The checks of a column that is already of its kind's type: present, in range."""
    v = column.name
    checks = [_check(f"{v} is null", f"'{v}: missing'")] if column.required else []
    shown = _quote(f"{v}::varchar")
    if column.kind == "timestamp":
        checks.append(_range_check(column, v, shown, limits))
    return checks + _bounds_checks(column, v, shown)


def _bounds_checks(column: Column, value: str, shown: str) -> list[Check]:
    v = column.name
    low, high = column.minimum, column.maximum
    if column.exclusive_minimum:  # an interval (low, high]: one reason, as the contract says
        return [
            _check(f"{value} <= {low} or {value} > {high}", f"'{v}: not in ({low:g}, {high:g}]'")
        ]
    checks = []
    if column.minimum is not None:
        checks.append(
            _check(f"{value} < {column.minimum}", f"'{v}: below {column.minimum:g} in ' || {shown}")
        )
    if column.maximum is not None:
        checks.append(
            _check(f"{value} > {column.maximum}", f"'{v}: above {column.maximum} in ' || {shown}")
        )
    return checks


def _range_check(column: Column, value: str, shown: str, limits: TimeLimits) -> Check:
    """Instants before the first reported month, or after the day in progress (a planned
    one: after PLANNED_AHEAD), cannot be placed in any partition."""
    v = column.name
    late = (
        f"more than {PLANNED_AHEAD.days} days ahead"
        if column.planned
        else f"after the day in progress ({limits.today:%Y-%m-%d})"
    )
    return Check(
        (
            (
                f"{value} < {_literal(limits.first)}",
                f"'{v}: before the first reported month ({FIRST_MONTH[:7]}) in ' || {shown}",
            ),
            (limits.beyond(value, column), f"'{v}: {late} in ' || {shown}"),
        )
    )
