"""Danish holidays as reference data (R2): `raw.public_holidays`, from the maintained
`holidays` package rather than a hand-written table, for every year the month spine
can report (its first month's year to next year).

Two categories, as the package names them: `public` (helligdage by law; Store Bededag
until 2023, abolished from 2024) and `optional` (days many service declarations also
close on: Grundlovsdag, Juleaftensdag, Nytårsaften, Arbejdernes kampdag). Which of them
close a service's hours is the declaration's choice (`service_hours.closed_on`).
"""

from __future__ import annotations

from datetime import date

import duckdb
import holidays

from dagster_project.landing.derived import replace_rows
from dagster_project.timeline import FIRST_MONTH

CATEGORIES = ("public", "optional")


def danish_holidays(years: range) -> list[tuple[date, str, str]]:
    """(day, Danish name, category) of every holiday of the years, by day and name. A
    day can hold two (Pinsedag was Grundlovsdag in 2022): one row each."""
    rows = [
        (day, name, category)
        for category in CATEGORIES
        for day, names in holidays.Denmark(
            years=years, categories=(category,), language="da"
        ).items()
        for name in names.split("; ")
    ]
    return sorted(rows)


def spine_years(today: date) -> range:
    """The years the month spine can report: from its first month's to next year's."""
    return range(date.fromisoformat(FIRST_MONTH).year, today.year + 2)


def load_public_holidays(con: duckdb.DuckDBPyConnection, years: range) -> int:
    """Replace raw.public_holidays with the years' holidays; the rows written."""
    return replace_rows(con, "raw.public_holidays", danish_holidays(years))
