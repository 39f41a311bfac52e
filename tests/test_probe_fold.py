"""The hour fold kept (int_probe_hours, dbt/macros/probe_fold.sql): a build folds again
only the months whose raw checks changed, and never reuses the fold of changed checks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb

from dagster_project.landing.loader import load_source
from dagster_project.landing.sources import SOURCES
from tests.helpers import SMALL_AS_OF, driftsstatus, pipeline_env, query

PROBES = next(source for source in SOURCES if source.name == "probe_checks")
FEBRUARY_AS_OF = "2024-03-04T08:00:00+01:00"
KO_APP_FEBRUARY = (
    "select availability_pct from marts.fct_monthly_availability "
    "where service_id = 'ko_app' and month = date '2024-02-01'"
)


def _fold(warehouse: Path, month_start: str, next_month_start: str) -> list[tuple]:
    return query(
        warehouse,
        "select * from intermediate.int_probe_hours where hour_start >= ?::timestamptz "
        "and hour_start < ?::timestamptz order by all",
        [month_start, next_month_start],
    )


def test_r4_a_run_folds_again_only_the_month_whose_checks_changed(small_site):
    landing, warehouse = small_site
    february = ("2024-01-31 23:00:00+00", "2024-02-29 23:00:00+00")
    before = _fold(warehouse, *february)
    assert len(before) == 4 and len({row[3] for row in before}) == 1  # one fingerprint
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


def test_r14_a_publish_never_reuses_the_fold_of_changed_checks(small_site, tmp_path):
    """February's checks change and are loaded, but no build runs (as after a failed
    one): the publication as of March folds February again, and equals one made from a
    warehouse built from the changed checks alone."""
    landing, warehouse = small_site
    checks = landing / "probe_checks" / "checks.csv"
    changed = checks.read_text(encoding="utf-8").replace(
        "2024-02-01T00:04:05+01:00,ko_app,p1,up,122", "2024-02-01T00:04:05+01:00,ko_app,p1,down,"
    )
    assert changed != checks.read_text(encoding="utf-8")
    checks.write_text(changed, encoding="utf-8")
    with duckdb.connect(str(warehouse)) as con:
        assert load_source(con, landing, PROBES).files_loaded == 1
    publish = ("publish", "--month", "2024-02", "--as-of", FEBRUARY_AS_OF)
    reused = driftsstatus(*publish, env=pipeline_env(landing, warehouse)).stdout

    fresh_landing = shutil.copytree(landing, tmp_path / "fresh-landing")
    fresh = tmp_path / "fresh.duckdb"
    driftsstatus("run", env=pipeline_env(fresh_landing, fresh, as_of=SMALL_AS_OF))
    # The changed check changes the figure: a stale fold would publish the old one.
    assert query(fresh, KO_APP_FEBRUARY) != query(warehouse, KO_APP_FEBRUARY)
    anew = driftsstatus(*publish, env=pipeline_env(fresh_landing, fresh)).stdout
    assert _published_hash(reused) == _published_hash(anew)


def _published_hash(output: str) -> str:
    (found,) = re.findall(r"^Published 2024-02#1 as of .* \(sha256 (\w+)\)$", output, re.M)
    return found
