"""The hour fold and the vote kept (int_probe_hours, int_probe_status_blocks,
dbt/macros/probe_fold.sql): a build folds and votes again only the months whose raw
checks changed, and never reuses the fold of changed checks."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_project.landing.loader import load_source
from dagster_project.landing.sources import SOURCES
from dagster_project.report.model import Report, build_report
from dagster_project.report.published import published_report
from dagster_project.settings import serving_copy_of
from tests.helpers import SMALL_AS_OF, driftsstatus, pipeline_env, query

PROBES = next(source for source in SOURCES if source.name == "probe_checks")
KO_APP_BUILT = ("100,00%", 100.0)
# The changed check takes one of February 2024's 41,760 minutes down.
KO_APP_CHANGED = ("100,00%", pytest.approx(100 * 41_759 / 41_760, rel=1e-12))


def _fold(warehouse: Path, month_start: str, next_month_start: str) -> list[tuple]:
    return _kept(warehouse, "int_probe_hours", "hour_start", month_start, next_month_start)


def _votes(warehouse: Path, month_start: str, next_month_start: str) -> list[tuple]:
    return _kept(warehouse, "int_probe_status_blocks", "start_at", month_start, next_month_start)


def _kept(warehouse: Path, table: str, at: str, start: str, end: str) -> list[tuple]:
    return query(
        warehouse,
        f"select * from intermediate.{table} where {at} >= ?::timestamptz "
        f"and {at} < ?::timestamptz order by all",
        [start, end],
    )


def test_r4_a_run_folds_and_votes_again_only_the_month_whose_checks_changed(small_site):
    landing, warehouse = small_site
    february = ("2024-01-31 23:00:00+00", "2024-02-29 23:00:00+00")
    before = _fold(warehouse, *february)
    assert len(before) == 4 and len({row[3] for row in before}) == 1  # one fingerprint
    votes_before = _votes(warehouse, *february)
    assert len({row[4] for row in votes_before}) == 1
    # March's checks land; the nightly run rebuilds March.
    (landing / "probe_checks" / "march.csv").write_text(
        "checked_at,service_id,probe_id,status,response_ms\n"
        "2024-03-04T10:00:05+01:00,ko_app,p1,up,120\n"
        "2024-03-04T10:01:05+01:00,ko_app,p1,down,\n",
        encoding="utf-8",
    )
    env = pipeline_env(landing, warehouse, as_of=SMALL_AS_OF)
    driftsstatus("run", "--months", "2024-03..2024-03", env=env)
    assert _fold(warehouse, *february) == before
    march = _fold(warehouse, "2024-02-29 23:00:00+00", "2024-03-31 22:00:00+00")
    assert [(row[0], row[1], str(row[2])[:16], row[4:]) for row in march] == [
        ("ko_app", "p1", "2024-03-04 09:00", (3, 2, 2, 2))
    ]
    assert march[0][3] not in {row[3] for row in before}
    assert _votes(warehouse, *february) == votes_before
    march_votes = _votes(warehouse, "2024-02-29 23:00:00+00", "2024-03-31 22:00:00+00")
    assert [(row[0], row[1], str(row[2])[11:16], str(row[3])[11:16]) for row in march_votes] == [
        ("ko_app", "down", "09:01", "09:02"),
        ("ko_app", "up", "09:00", "09:01"),
    ]
    assert march_votes[0][4] not in {row[4] for row in votes_before}


def test_r4_a_kept_months_key_is_tested_again_once_its_rows_changed(small_site):
    """The key tests of the kept tables skip the months they passed on as they are
    (dbt/macros/kept_tests.sql), not a month whose rows changed since: an hour kept
    twice fails the next build's key test, and the next one's."""
    landing, warehouse = small_site
    hours_key = "unique_keys_int_probe_hours"
    blocks_key = "unique_keys_int_probe_status_blocks"
    tested = query(
        warehouse,
        "select split_part(test, '.', 3), count(*), sum(kept_rows) "
        "from audit.tested_kept_months group by all order by 1",
    )
    hours = query(warehouse, "select count(*) from intermediate.int_probe_hours")[0][0]
    assert [(name, months) for name, months, _ in tested] == [(hours_key, 1), (blocks_key, 1)]
    assert tested[0][2] == hours
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into intermediate.int_probe_hours select * from "
            "intermediate.int_probe_hours order by hour_start, service_id, probe_id limit 1"
        )
    env = pipeline_env(landing, warehouse, as_of=SMALL_AS_OF)
    served = serving_copy_of(warehouse).stat().st_mtime_ns
    for _ in range(2):
        failed = driftsstatus("run", "--months", "2024-03..2024-03", env=env, check=False)
        assert failed.returncode == 1
        assert f"FAILED check intermediate/int_probe_hours:{hours_key}" in failed.stdout
    # The key test held back no model (infra/test_gates.py), but its failure failed the
    # build: the app still reads the last good run's copy.
    assert serving_copy_of(warehouse).stat().st_mtime_ns == served


def test_r14_a_publish_never_reuses_the_fold_of_changed_checks(small_site):
    """February's checks change and are loaded, but no build runs (as after a failed
    one): the publication folds February again. Its ko_app figure is the
    changed checks' (one more minute down), every other figure the marts' as built."""
    landing, warehouse = small_site
    built = _cells(build_report(serving_copy_of(warehouse), "2024-02"))
    checks = landing / "probe_checks" / "checks.csv"
    changed = checks.read_text(encoding="utf-8").replace(
        "2024-02-01T00:04:05+01:00,ko_app,p1,up,122", "2024-02-01T00:04:05+01:00,ko_app,p1,down,"
    )
    assert changed != checks.read_text(encoding="utf-8")
    checks.write_text(changed, encoding="utf-8")
    with duckdb.connect(str(warehouse)) as con:
        assert load_source(con, landing, PROBES).files_loaded == 1
    env = pipeline_env(landing, warehouse)
    driftsstatus("publish", "--month", "2024-02", "--as-of", SMALL_AS_OF, env=env)
    published = _cells(published_report(warehouse, "2024-02")[1])
    assert built["ko_app"] == KO_APP_BUILT
    assert published["ko_app"] == KO_APP_CHANGED
    assert published | {"ko_app": KO_APP_BUILT} == built


def _cells(report: Report) -> dict[str, tuple[str, float | None]]:
    """Each service's February figure as the report shows it, and unrounded."""
    return {
        row.service_id: (row.current.text, row.current.pct)
        for area in report.areas
        for row in area.rows
    }
