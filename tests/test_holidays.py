"""R2: Danish holidays as reference data, from the `holidays` package through the
Dagster asset into raw.public_holidays, as the models read them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from dagster_project.defs.declarations import public_holidays
from dagster_project.landing.holidays import spine_years
from dagster_project.timeline import local_today


def _holidays(warehouse: Path) -> dict[date, set[tuple[str, str]]]:
    result = dg.materialize(
        [public_holidays], resources={"duckdb": DuckDBResource(database=str(warehouse))}
    )
    assert result.success
    days: dict[date, set[tuple[str, str]]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for day, name, category in con.execute("from raw.public_holidays").fetchall():
            days.setdefault(day, set()).add((name, category))
    return days


def test_r2_danish_holidays_easter_days_grundlovsdag_and_store_bededag_by_year(tmp_path):
    days = _holidays(tmp_path / "warehouse.duckdb")
    # Easter-dependent public holidays move with Easter Sunday (31 March 2024, 20 April 2025).
    for year, expected in {
        2024: {
            date(2024, 3, 28): "Skærtorsdag",
            date(2024, 3, 29): "Langfredag",
            date(2024, 3, 31): "Påskedag",
            date(2024, 4, 1): "Anden påskedag",
            date(2024, 5, 9): "Kristi himmelfartsdag",
            date(2024, 5, 19): "Pinsedag",
            date(2024, 5, 20): "Anden pinsedag",
        },
        2025: {
            date(2025, 4, 17): "Skærtorsdag",
            date(2025, 4, 18): "Langfredag",
            date(2025, 4, 20): "Påskedag",
            date(2025, 4, 21): "Anden påskedag",
            date(2025, 5, 29): "Kristi himmelfartsdag",
            date(2025, 6, 8): "Pinsedag",
            date(2025, 6, 9): "Anden pinsedag",
        },
    }.items():
        public = {
            day: name
            for day, entries in days.items()
            if day.year == year
            for name, category in entries
            if category == "public"
        }
        assert {d: n for d, n in public.items() if d.month in (3, 4, 5, 6)} == expected
        assert public[date(year, 1, 1)] == "Nytårsdag"
        assert public[date(year, 12, 25)] == "Juledag"
        assert public[date(year, 12, 26)] == "Anden juledag"
    # Store Bededag (the fourth Friday after Easter) was abolished from 2024.
    assert days[date(2023, 5, 5)] == {("Store bededag", "public")}
    assert not any(
        name == "Store bededag" for d, e in days.items() if d.year >= 2024 for name, _ in e
    )
    # Grundlovsdag is not a public holiday by law: optional, for the declaration to name
    # (service_hours.closed_on); in 2022 it fell on Pinsedag, one row each.
    assert days[date(2024, 6, 5)] == {("Grundlovsdag", "optional")}
    assert days[date(2022, 6, 5)] == {("Grundlovsdag", "optional"), ("Pinsedag", "public")}
    assert days[date(2024, 12, 24)] == {("Juleaftensdag", "optional")}
    # Every year the month spine can report, and nothing else.
    years = spine_years(local_today())
    assert {d.year for d in days} == set(years)
    assert years.start == 2020
