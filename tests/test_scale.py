"""Scale: the scaled sample and its known pattern, the benchmark's floor, Parquet loads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.landing import witness
from dagster_project.landing.changes import months_touched
from dagster_project.landing.checks import TimeLimits
from dagster_project.landing.loader import load_source
from dagster_project.landing.reading import stage_file
from dagster_project.landing.sources import SOURCES_BY_NAME
from dagster_project.sample.scale import expected_availability
from dagster_project.settings import serving_copy_of
from tests.helpers import REPO_ROOT, driftsstatus, pipeline_env, query

FLOOR_SQL = REPO_ROOT / "benchmarks" / "floor.sql"
TODAY = date(2026, 12, 3)  # any day after the checks: months_touched caps at its month
FIGURES = ("service_seconds", "downtime_seconds", "red_seconds", "yellow_seconds")


def test_scaled_sample_writes_every_check_of_its_pattern(tmp_path: Path):
    landing = tmp_path / "landing"
    result = driftsstatus(
        "sample", "--out", str(landing), "--services", "3", "--probes", "3", "--months", "2",
        "--format", "csv.gz",
    )  # fmt: skip
    # January and February 2024: 86,400 minutes, 3 services x 3 probes; service i is
    # silent i minutes a day (0 + 1 + 2 minutes x 60 days x 3 probes = 540 checks).
    assert f"{86_400 * 9 - 540:,} probe checks (3 services x 3 probes x 2 months)" in result.stdout
    files = sorted(p.name for p in (landing / "probe_checks").iterdir())
    assert files == ["probe_checks-2024-01.csv.gz", "probe_checks-2024-02.csv.gz"]
    with duckdb.connect() as con:
        checks = f"read_csv('{landing}/probe_checks/*.csv.gz', header = true, all_varchar = true)"
        assert con.execute(f"select count(*) from {checks}").fetchone() == (86_400 * 9 - 540,)
        assert con.execute(f"select checked_at from {checks} limit 1").fetchone() == (
            "2023-12-31T23:00:07Z",
        )
    services = (tmp_path / "reference" / "services.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in services] == [
        "service_id", "svc0001", "svc0002", "svc0003",
    ]  # fmt: skip


def _scaled(folder: Path) -> dict:
    driftsstatus(
        "sample", "--out", str(folder / "landing"), "--services", "4", "--probes", "3",
        "--months", "1",
    )  # fmt: skip
    env = pipeline_env(folder / "landing", folder / "warehouse.duckdb")
    env["DRIFTSSTATUS_REFERENCE_DIR"] = str(folder / "reference")
    # A reference folder from before service_hours.closed_on (R2 holidays) builds as is.
    (folder / "reference" / "service_hours.csv").write_text(
        "service_id,iso_weekday,start_local,end_local\n"
    )
    (folder / "services.before").write_bytes((folder / "reference" / "services.csv").read_bytes())
    result = driftsstatus("run", env=env)
    assert "Run succeeded." in result.stdout
    return {"folder": str(folder)}


@pytest.fixture(scope="module")
def scaled(built_once) -> Path:
    """A real `driftsstatus run` over 4 services x 3 probes x 1 month of Parquet checks."""
    return Path(built_once("scaled", _scaled)["folder"])


def test_r4_r8_a_scaled_sample_builds_to_its_known_pattern(scaled: Path):
    rows = query(
        serving_copy_of(scaled / "warehouse.duckdb"),
        f"select service_id, month, {', '.join(FIGURES)}, probe_coverage, availability_pct "
        "from marts.fct_monthly_availability order by service_id, month",
    )
    expected = [
        (e.service_id, e.month, *(getattr(e, f) for f in FIGURES), e.probe_coverage,
         e.availability_pct)
        for e in expected_availability(4, 1)
    ]  # fmt: skip
    assert [r[:2] for r in rows] == [e[:2] for e in expected]
    for row, want in zip(rows, expected, strict=True):
        assert row[2:] == pytest.approx(want[2:], abs=1e-9), row[0]
    # svc0004: 3 down and 3 degraded minutes a day, degraded at half weight (R5).
    assert rows[3][2:6] == (2_678_400, 31 * (180 + 90), 31 * 180, 31 * 180)


def test_scaled_reference_data_is_read_not_written(scaled: Path):
    services = (scaled / "reference" / "services.csv").read_bytes()
    assert services == (scaled / "services.before").read_bytes()


def _floor(checks: str, reference: Path, columns: str = "*") -> list[tuple]:
    """floor.sql over `checks` (a relation) and the reference folder: the columns of its
    rows, by service and month."""
    sql = FLOOR_SQL.read_text().replace("{checks}", checks)
    with duckdb.connect() as con:
        con.execute(sql.replace("{reference}", str(reference)))
        return con.execute(f"select {columns} from floor_availability order by 1, 2").fetchall()


def test_floor_script_agrees_with_the_pipeline(scaled: Path):
    columns = (
        "service_id, month, service_seconds, downtime_seconds, red_seconds, yellow_seconds, "
        "probe_coverage, error_budget_seconds, availability_display, sla_met, status_colour"
    )
    floor = _floor(
        f"read_parquet('{scaled}/landing/probe_checks/*.parquet')", scaled / "reference", columns
    )
    pipeline = query(
        serving_copy_of(scaled / "warehouse.duckdb"),
        f"select {columns} from marts.fct_monthly_availability order by 1, 2",
    )
    assert len(floor) == len(pipeline) == 4
    for mine, theirs in zip(pipeline, floor, strict=True):
        assert mine[:2] + mine[8:] == theirs[:2] + theirs[8:]  # keys, display, met, colour
        assert mine[2:8] == pytest.approx(theirs[2:8], abs=1e-9)


def test_r4_the_floors_vote_on_masks_is_the_majority_of_each_minute(tmp_path: Path):
    """The floor votes on the hours' masks: by bit operations of one or two probes (the
    scaled sample's case), in 16-bit lanes of more. Each service-month's known, red and
    yellow minutes are those of each minute's majority counted check by check, where
    the probes disagree."""
    services = ("svc1", "svc2", "svc3")
    (tmp_path / "services.csv").write_text(
        "service_id,degraded_impact\n" + "".join(f"{s},0.5\n" for s in services)
    )
    (tmp_path / "sla_targets.csv").write_text(
        "service_id,target_pct,valid_from,valid_to\n"
        + "".join(f"{s},99.5,2020-01-01,\n" for s in services)
    )
    # Three days of minutes, each probe down, degraded or silent in minutes of its own (every
    # combination occurs): svc1 with two probes, svc2 with one (silent in some hours),
    # svc3 with four.
    checks = tmp_path / "checks.parquet"
    with duckdb.connect() as con:
        _parquet(
            con,
            checks,
            "select timestamptz '2024-03-01 00:00:00+00' + to_minutes(m) as checked_at, "
            "service_id, probe_id, case when m % k = 0 then 'down' "
            "when m % (k + 4) = 0 then 'degraded' else 'up' end as status, "
            "10 as response_ms from range(3 * 1440) as t(m) "
            "cross join (values ('svc1', 'p1', 7, 13), ('svc1', 'p2', 5, 11), "
            "('svc2', 'p1', 17, 1000), ('svc3', 'p1', 3, 19), ('svc3', 'p2', 4, 23), "
            "('svc3', 'p3', 6, 29), ('svc3', 'p4', 9, 31)) as p(service_id, probe_id, k, silent) "
            "where m % silent <> 0 and not (service_id = 'svc2' and m // 60 % 9 = 4)",
        )
        counted = con.execute(
            "select service_id, 60 * count(*), "
            "60 * count(*) filter (where 2 * down > reporting), "
            "60 * count(*) filter (where 2 * down <= reporting and 2 * bad > reporting) "
            "from (select service_id, epoch(checked_at) // 60 as minute, count(*) as reporting, "
            "count(*) filter (where status = 'down') as down, "
            f"count(*) filter (where status <> 'up') as bad from '{checks}' group by all) "
            "group by all order by 1"
        ).fetchall()
    voted = [
        (service_id, round(coverage * seconds), red, yellow)
        for service_id, _, seconds, _, _, red, yellow, coverage, *_ in _floor(
            f"read_parquet('{checks}')", tmp_path
        )
    ]
    assert voted == counted
    assert all(red and yellow for _, _, red, yellow in counted)


def _parquet(con: duckdb.DuckDBPyConnection, path: Path, rows_sql: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy ({rows_sql}) to '{path}' (format parquet)")


def test_r1_typed_parquet_rows_are_checked_as_typed(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("set TimeZone = 'UTC'")
        _parquet(
            con,
            tmp_path / "landing" / "probe_checks" / "typed.parquet",
            "select * from (values "
            "(timestamptz '2024-01-05 10:00:07+00', 'ko_app', 'p1', 'up', 12), "
            "(null, 'ko_app', 'p1', 'up', 12), "
            "(timestamptz '2024-01-05 10:01:07+00', 'nope', 'p1', 'down', -3), "
            "(timestamptz '2024-01-05 10:02:07+00', 'ko_app', 'p2', 'degraded', null)"
            ") t(checked_at, service_id, probe_id, status, response_ms)",
        )
        summary = load_source(con, tmp_path / "landing", SOURCES_BY_NAME["probe_checks"])
        assert (summary.rows_loaded, summary.rows_rejected) == (2, 2)
        assert con.execute(
            "select line_number, reason from audit.rejected_rows order by 1"
        ).fetchall() == [
            (2, "checked_at: missing"),
            (3, "service_id: unknown service 'nope'; response_ms: below 0 in '-3'"),
        ]
        assert con.execute(
            "select strftime(checked_at, '%H:%M:%S'), status, response_ms, _line "
            "from raw.probe_checks order by _line"
        ).fetchall() == [("10:00:07", "up", 12, 1), ("10:02:07", "degraded", None, 4)]


def test_r1_a_parquet_timestamp_without_time_zone_is_rejected(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        _parquet(
            con,
            tmp_path / "landing" / "probe_checks" / "naive.parquet",
            "select timestamp '2024-01-05 10:00:00' as checked_at, 'ko_app' as service_id, "
            "'p1' as probe_id, 'up' as status",
        )
        summary = load_source(con, tmp_path / "landing", SOURCES_BY_NAME["probe_checks"])
        assert (summary.rows_loaded, summary.rows_rejected) == (0, 1)
        assert con.execute("select reason from audit.rejected_rows").fetchall() == [
            ("checked_at: no UTC offset in '2024-01-05 10:00:00'",)
        ]


# One bad value among 1,000 good checks: (line 500's columns, its reject reason). A
# native column's least value, its greatest and a missing one, and a text column's
# distinct values and a missing one are the witnesses the loader judges a Parquet file
# by first.
BAD_VALUES = {
    "response_ms_below_range": ("response_ms", "-1", "response_ms: below 0 in '-1'"),
    "response_ms_above_range": (
        "response_ms", "3000000000", "response_ms: above 2147483647 in '3000000000'",
    ),
    "checked_at_missing": ("checked_at", "null", "checked_at: missing"),
    "checked_at_before_2020": (
        "checked_at", "timestamptz '2019-06-01 00:00:00+00'",
        "checked_at: before the first reported month (2020-01) in '2019-06-01 00:00:00+00'",
    ),
    "status_unknown": (
        "status", "'sideways'", "status: 'sideways' not one of up, degraded, down",
    ),
    "service_unknown": ("service_id", "'nope'", "service_id: unknown service 'nope'"),
    "probe_blank": ("probe_id", "'  '", "probe_id: missing"),
    "status_missing": ("status", "null", "status: missing"),
}  # fmt: skip


def _thousand_checks(bad: tuple[str, str] | None = None) -> str:
    """1,000 checks of ko_app, one a minute from 2024-01-05 00:00:07 UTC, response 100 ms
    or missing; line 500 with `bad` = (column, SQL value) instead."""
    values = {
        "checked_at": "timestamptz '2024-01-05 00:00:07+00' + to_minutes(i)",
        "service_id": "'ko_app'",
        "probe_id": "'p' || (i % 2 + 1)",
        "status": "case when i % 7 = 0 then 'down' else 'up' end",
        "response_ms": "case when i % 3 = 0 then null else 100 end::bigint",
    }
    if bad:
        column, value = bad
        values[column] = f"case when i = 499 then {value} else {values[column]} end"
    columns = ", ".join(f"{sql} as {name}" for name, sql in values.items())
    return f"select {columns} from range(1000) as r(i)"


@pytest.mark.parametrize("fault", [None, *BAD_VALUES])
def test_r1_a_parquet_file_is_judged_by_its_witnesses_and_every_bad_row_still_caught(
    tmp_path: Path, fault: str | None
):
    column, value, reason = BAD_VALUES[fault] if fault else (None, None, None)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("set TimeZone = 'UTC'")
        path = tmp_path / "landing" / "probe_checks" / "f.parquet"
        _parquet(con, path, _thousand_checks((column, value) if fault else None))
        source = SOURCES_BY_NAME["probe_checks"]
        native = stage_file(con, source, path)
        verdict = witness.clean_file(con, source, ["ko_app"], native, TimeLimits.now())
        if fault:
            assert verdict is None
        else:
            assert verdict == witness.CleanFile(
                1000,
                datetime(2024, 1, 5, 0, 0, 7, tzinfo=UTC),
                datetime(2024, 1, 5, 16, 39, 7, tzinfo=UTC),
                # Text the raw view reads as it is: nothing to trim in any value.
                frozenset({"service_id", "probe_id", "status"}),
            )
        # Its month, from the file's statistics or, with an instant that cannot be
        # placed, from its rows: January 2024 either way.
        january = (date(2024, 1, 1), date(2024, 1, 1))
        assert months_touched(tmp_path / "landing", ("probe_checks/f.parquet",), None, TODAY) == (
            january
        )
        summary = load_source(con, tmp_path / "landing", source)
        assert (summary.rows_loaded, summary.rows_rejected) == ((999, 1) if fault else (1000, 0))
        assert con.execute("select line_number, reason from audit.rejected_rows").fetchall() == (
            [(500, reason)] if fault else []
        )
        assert con.execute(
            "select data_rows, rows_loaded, rows_rejected, rows_pending, rows_beyond, "
            "first_at, last_at from audit.loaded_files"
        ).fetchone() == (
            1000, 999 if fault else 1000, 1 if fault else 0, 0, 0,
            datetime(2024, 1, 5, 0, 0, 7, tzinfo=UTC), datetime(2024, 1, 5, 16, 39, 7, tzinfo=UTC),
        )  # fmt: skip
