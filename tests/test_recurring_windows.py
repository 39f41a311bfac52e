"""R3: recurring service windows declared once with an RFC 5545 rule, expanded with
dateutil by the load into raw.recurring_window_occurrences (the models decide which
declaration governs an occurrence: dbt unit test
test_r3_a_changed_recurrence_rule_never_re_plans_earlier_occurrences)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from dagster_project.defs.declarations import recurring_window_occurrences
from dagster_project.defs.resources import LandingFolder
from dagster_project.landing.recurring_windows import FILE_NAME, read_declarations

HEADER = "window_id,service_id,rrule,starts_local,duration_minutes,announced_at,description\n"


def _occurrences(tmp_path: Path, rows: str) -> list[tuple]:
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / FILE_NAME).write_text(HEADER + rows, encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    result = dg.materialize(
        [recurring_window_occurrences],
        resources={
            "duckdb": DuckDBResource(database=str(warehouse)),
            "landing": LandingFolder(path=str(tmp_path / "landing"), reference_dir=str(reference)),
        },
    )
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select window_id, service_id, announced_at, starts_at, ends_at, description "
            "from raw.recurring_window_occurrences order by starts_at"
        ).fetchall()


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_r3_the_third_thursday_at_18_local_is_expanded_across_dst(tmp_path):
    rows = _occurrences(
        tmp_path,
        "W-PATCH,bf_infra,FREQ=MONTHLY;BYDAY=+3TH;COUNT=4,2024-01-18 18:00,120,"
        "2024-01-02T09:00:00+01:00,Monthly patching\n",
    )
    announced = _utc("2024-01-02 08:00")
    # 18:00 Copenhagen: 17:00 UTC in winter, 16:00 UTC from 31 March (summer time).
    assert rows == [
        ("W-PATCH", "bf_infra", announced, _utc(start), _utc(end), "Monthly patching")
        for start, end in (
            ("2024-01-18 17:00", "2024-01-18 19:00"),
            ("2024-02-15 17:00", "2024-02-15 19:00"),
            ("2024-03-21 17:00", "2024-03-21 19:00"),
            ("2024-04-18 16:00", "2024-04-18 18:00"),
        )
    ]


def test_r3_an_open_rule_is_expanded_up_to_the_planning_horizon(tmp_path):
    rows = _occurrences(
        tmp_path, "W-YEAR,ko_app,FREQ=YEARLY,2019-06-01 00:00,60,2019-01-01T00:00:00Z,\n"
    )
    starts = [row[3] for row in rows]
    # From the first reported month (2020) to two years ahead of today, one a year.
    assert starts[0] == _utc("2020-05-31 22:00")
    assert [s.year for s in starts] == list(range(2020, starts[-1].year + 1))
    assert starts[-1].year >= datetime.now(UTC).year + 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "W,s,FREQ=MINUTELY,2024-01-01 00:00,5,2024-01-01T00:00:00Z,",
            "recurring_windows.csv line 2: rrule: FREQ=MINUTELY recurs more often than daily",
        ),
        (
            "W,s,FREQ=MONTHLY;BYDAY=3XX,2024-01-01 00:00,5,2024-01-01T00:00:00Z,",
            "recurring_windows.csv line 2: row: invalid 'BYDAY': 3XX",
        ),
        (
            "W,s,BYDAY=TH,2024-01-01 00:00,5,2024-01-01T00:00:00Z,",
            "recurring_windows.csv line 2: rrule: not one RRULE value in 'BYDAY=TH'",
        ),
        (
            "W,s,FREQ=DAILY,2024-01-01T00:00+01:00,5,2024-01-01T00:00:00Z,",
            "recurring_windows.csv line 2: starts_local: is local wall-clock time, without an "
            "offset",
        ),
        (
            "W,s,FREQ=DAILY,2024-01-01 00:00,5,2024-01-01T00:00:00,",
            "recurring_windows.csv line 2: announced_at: has no UTC offset",
        ),
        (
            "W,s,FREQ=DAILY,2024-01-01 00:00,0,2024-01-01T00:00:00Z,",
            "recurring_windows.csv line 2: duration_minutes: not above 0 in 0",
        ),
    ],
)
def test_r3_a_declaration_that_cannot_be_expanded_is_named_with_its_line(tmp_path, row, message):
    (tmp_path / FILE_NAME).write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as error:
        read_declarations(tmp_path)
    assert str(error.value) == message


def test_r3_a_reference_folder_without_recurring_windows_declares_none(tmp_path):
    assert read_declarations(tmp_path) == []


def test_r3_a_declarations_file_with_no_rows_loads_no_occurrences(tmp_path):
    assert _occurrences(tmp_path, "") == []
