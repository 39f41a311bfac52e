"""Source freshness (issue 16): every landing feed against the threshold written once in
dbt/models/staging/_staging__sources.yml, judged from dbt's manifest without a dbt process,
as `dbt source freshness` judges it; a stale feed is a warning in the run summary and on
the app's Datakvalitet page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dagster_project.infra.dbt_command import DBT_EXECUTABLE, PROJECT_PARSE
from dagster_project.landing.loader import ensure_raw_schema
from dagster_project.quality.freshness import check_sources, judge, thresholds
from dagster_project.settings import DBT_PROJECT_DIR, REPO_ROOT, load_settings, serving_copy_of
from tests.helpers import SMALL_AS_OF, query

AS_OF = datetime.fromisoformat(SMALL_AS_OF)
SOURCES = ["raw.changes", "raw.incidents", "raw.probe_checks", "raw.service_calls",
           "raw.service_windows"]  # fmt: skip


def _warehouse(path: Path, rows: dict[str, list[datetime]]) -> Path:
    """A warehouse with the raw tables and, per source, rows stamped at these instants."""
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        for at in rows.get("probe_checks", []):
            con.execute(
                "insert into raw.probe_checks_rows values (?, 'ko_app', 'p1', 'up', 100, 'f', 2)",
                [at],
            )
        for at in rows.get("service_calls", []):
            con.execute("insert into raw.service_calls values (?, 'm1', 'SF1', 1, 0, 'f', 2)", [at])
        for at in rows.get("incidents", []):
            con.execute(
                "insert into raw.incidents (incident_id, recorded_at, service_ids, severity, "
                "started_at, status, _file, _line) values ('I', ?, ['ko_app'], 'red', ?, "
                "'open', 'f', 1)",
                [at, at],
            )
        for at in rows.get("service_windows", []):
            con.execute(
                "insert into raw.service_windows values ('W', 'ko_app', ?, ?, ?, 'x', 'f', 2)",
                [at + timedelta(days=1), at + timedelta(days=2), at],
            )
        for at in rows.get("changes", []):
            con.execute(
                "insert into raw.changes values ('C', 'stoettesystemer', 'production', "
                "'change', ?, 'x', 'f', 2)",
                [at],
            )
    return path


@pytest.fixture(scope="module")
def dbt_freshness(tmp_path_factory: pytest.TempPathFactory):
    """`dbt source freshness` itself on a warehouse whose feeds are 2 h to 100 days old
    at the wall clock: (warehouse, dbt's target folder with its manifest and sources.json)."""
    root = tmp_path_factory.mktemp("freshness")
    now = datetime.now(UTC)
    warehouse = _warehouse(
        root / "warehouse.duckdb",
        {
            "probe_checks": [now - timedelta(hours=3), now - timedelta(hours=2)],
            "service_calls": [now - timedelta(hours=5)],
            "incidents": [now - timedelta(days=100), now - timedelta(days=57)],
            "service_windows": [now - timedelta(days=90)],
            "changes": [now - timedelta(days=20)],
        },
    )
    target = root / "target"
    # The pipeline's dbt, from the project's parse: a warehouse path of its own costs no
    # full parse (infra/dbt_main.py).
    if PROJECT_PARSE.exists():
        target.mkdir()
        shutil.copy(PROJECT_PARSE, target)
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(warehouse)})
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    result = subprocess.run(
        [DBT_EXECUTABLE, "source", "freshness",
         "--profiles-dir", ".", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR, env=env | settings.dbt_env(), capture_output=True, text=True,
    )  # fmt: skip
    # dbt exits 1 when a source warns; the verdicts are in sources.json.
    assert (target / "sources.json").exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return warehouse, target


def test_ops_freshness_verdicts_are_dbt_source_freshness_verdicts(dbt_freshness):
    warehouse, target = dbt_freshness
    dbt = {
        r["unique_id"].removeprefix("source.driftsstatus."): r
        for r in json.loads((target / "sources.json").read_text())["results"]
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ours = {v.source: v for v in judge(con, thresholds(target / "manifest.json"))}
    assert sorted(ours) == sorted(dbt) == SOURCES
    assert {s: v.status for s, v in ours.items()} == {s: r["status"] for s, r in dbt.items()}
    assert {s: v.status for s, v in ours.items()} == {
        "raw.changes": "warn",  # 20 days, warn after 14
        "raw.incidents": "warn",  # 57 days, warn after 56
        "raw.probe_checks": "warn",  # 2 hours, warn after 1
        "raw.service_calls": "pass",  # 5 hours, warn after 1 day
        "raw.service_windows": "pass",  # 90 days, warn after 91
    }
    for source, verdict in ours.items():
        assert verdict.max_loaded_at == datetime.fromisoformat(dbt[source]["max_loaded_at"])
        # Both measure at their own "now", a few seconds apart.
        assert verdict.age_seconds == pytest.approx(
            dbt[source]["max_loaded_at_time_ago_in_s"], abs=60
        )


def test_ops_thresholds_are_read_from_the_dbt_sources(dbt_freshness):
    rules = {r.source: r for r in thresholds(dbt_freshness[1] / "manifest.json")}
    assert {
        s: (r.loaded_at_field, r.label(r.warn_after), r.exists_as_of) for s, r in rules.items()
    } == {
        "raw.changes": ("deployed_at", "14 days", "deployed_at < ?"),
        "raw.incidents": ("recorded_at", "56 days", "recorded_at <= ?"),
        "raw.probe_checks": ("checked_at", "1 hour", "checked_at < ?"),
        "raw.service_calls": ("period_start", "1 day", "period_start < ?"),
        "raw.service_windows": ("announced_at", "91 days", "announced_at <= ?"),
    }


def test_r6_a_raw_table_without_its_as_of_cut_is_refused(dbt_freshness, tmp_path):
    manifest = json.loads((dbt_freshness[1] / "manifest.json").read_text())
    node = manifest["sources"]["source.driftsstatus.raw.changes"]
    node["config"]["meta"]["exists_as_of"] = "deployed_at > T"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError) as refused:
        thresholds(tmp_path / "manifest.json")
    assert str(refused.value) == (
        "raw.changes: meta.exists_as_of must read '<column> < T' or '<column> <= T', "
        "not 'deployed_at > T'"
    )


def test_r6_freshness_is_judged_at_the_as_of_instant_without_later_rows(dbt_freshness, tmp_path):
    at = AS_OF.astimezone(UTC)  # 2024-03-19 23:00 UTC
    warehouse = _warehouse(
        tmp_path / "warehouse.duckdb",
        {
            # 30 minutes old at T; the checks at and after T do not exist as of T.
            "probe_checks": [at - timedelta(minutes=30), at, at + timedelta(minutes=5)],
            # Exactly the threshold is not past it (dbt: stale when strictly older). The
            # hour counted from T on and the change deployed at T do not exist as of T.
            "service_calls": [at - timedelta(days=1), at],
            "changes": [at - timedelta(days=14, seconds=1), at],
            "service_windows": [at - timedelta(days=91, minutes=1), at + timedelta(days=1)],
            # No incident version at all.
        },
    )
    with duckdb.connect(str(warehouse)) as con:
        verdicts = check_sources(con, dbt_freshness[1] / "manifest.json", AS_OF)
    assert [v.message() for v in verdicts if v.is_stale] == [
        "raw.changes is stale: newest deployed_at 2024-03-05 22:59:59 UTC, 14 d 0 h 0 min "
        "before 2024-03-19 23:00:00 UTC (warn after 14 days)",
        "raw.incidents is stale: no rows at 2024-03-19 23:00:00 UTC (warn after 56 days)",
        "raw.service_windows is stale: newest announced_at 2023-12-19 22:59:00 UTC, "
        "91 d 0 h 1 min before 2024-03-19 23:00:00 UTC (warn after 91 days)",
    ]
    rows = query(
        warehouse,
        "select source, strftime(max_loaded_at, '%Y-%m-%d %H:%M:%S'), age_seconds, status "
        "from audit.source_freshness order by source",
    )
    assert rows == [
        ("raw.changes", "2024-03-05 22:59:59", 14 * 86400 + 1.0, "warn"),
        ("raw.incidents", None, None, "warn"),
        ("raw.probe_checks", "2024-03-19 22:30:00", 1800.0, "pass"),
        ("raw.service_calls", "2024-03-18 23:00:00", 86400.0, "pass"),
        ("raw.service_windows", "2023-12-19 22:59:00", 91 * 86400 + 60.0, "warn"),
    ]


def test_r6_freshness_as_of_t_counts_a_row_stamped_at_t_as_the_staging_views_do(
    dbt_freshness, tmp_path
):
    """A row stamped exactly at T: an incident version recorded or a window announced at
    T exists as of T; a check made, an hour of calls counted or a change deployed at T
    does not (R6, as the staging views filter)."""
    at = AS_OF.astimezone(UTC)
    warehouse = _warehouse(
        tmp_path / "warehouse.duckdb", {source: [at] for source in
        ("probe_checks", "service_calls", "incidents", "service_windows", "changes")},
    )  # fmt: skip
    with duckdb.connect(str(warehouse)) as con:
        verdicts = check_sources(con, dbt_freshness[1] / "manifest.json", AS_OF)
    assert {v.source: (v.max_loaded_at, v.status) for v in verdicts} == {
        "raw.changes": (None, "warn"),
        "raw.incidents": (at, "pass"),
        "raw.probe_checks": (None, "warn"),
        "raw.service_calls": (None, "warn"),
        "raw.service_windows": (at, "pass"),
    }


def test_ops_freshness_reads_from_the_last_verdict_on_and_sees_rows_gone_since(
    dbt_freshness, tmp_path
):
    manifest = dbt_freshness[1] / "manifest.json"
    at = AS_OF.astimezone(UTC)
    warehouse = _warehouse(
        tmp_path / "warehouse.duckdb", {"probe_checks": [at - timedelta(hours=h) for h in (5, 2)]}
    )

    def newest(con) -> datetime | None:
        verdicts = check_sources(con, manifest, AS_OF)
        return next(v.max_loaded_at for v in verdicts if v.source == "raw.probe_checks")

    with duckdb.connect(str(warehouse)) as con:
        assert newest(con) == at - timedelta(hours=2)
        # A newer check lands: found from the last verdict's instant on.
        con.execute(
            "insert into raw.probe_checks_rows values (?, 'ko_app', 'p1', 'up', 100, 'f', 3)",
            [at - timedelta(hours=1)],
        )
        assert newest(con) == at - timedelta(hours=1)
        # The two newest go (their file was removed): none from that instant on, so the
        # verdict reads every row.
        con.execute(
            "delete from raw.probe_checks_rows where checked_at > ?", [at - timedelta(hours=3)]
        )
        assert newest(con) == at - timedelta(hours=5)


def test_ops_freshness_starts_from_the_loaders_newest_instant_and_sees_past_a_wrong_one(
    dbt_freshness, tmp_path
):
    """A first run has no verdict to start from: the newest instant the loader recorded
    for the files bounds the scan, and whatever that instant is (a rejected row's, an
    older one), the verdict is the newest row's."""
    manifest = dbt_freshness[1] / "manifest.json"
    at = AS_OF.astimezone(UTC)
    hours = (5, 2)
    warehouse = _warehouse(
        tmp_path / "warehouse.duckdb", {"probe_checks": [at - timedelta(hours=h) for h in hours]}
    )
    with duckdb.connect(str(warehouse)) as con:
        for recorded in (2, 1, 4):  # the newest row's, a rejected row's, an older row's
            con.execute("delete from audit.loaded_files")
            con.execute(
                "insert into audit.loaded_files (source, file, sha256, data_rows, rows_loaded, "
                "rows_rejected, loaded_at, first_at, last_at) values ('probe_checks', 'f', "
                "'x', 3, 2, 1, now(), ?, ?)",
                [at - timedelta(hours=5), at - timedelta(hours=recorded)],
            )
            [verdict] = [v for v in judge(con, thresholds(manifest), AS_OF)
                         if v.source == "raw.probe_checks"]  # fmt: skip
            assert verdict.max_loaded_at == at - timedelta(hours=2), recorded


SMALL_RUN_STALE = [
    "raw.changes is stale: newest deployed_at 2024-02-29 23:30:00 UTC, 18 d 23 h 30 min "
    "before 2024-03-19 23:00:00 UTC (warn after 14 days)",
    "raw.probe_checks is stale: newest checked_at 2024-02-05 10:02:40 UTC, 43 d 12 h 57 min "
    "before 2024-03-19 23:00:00 UTC (warn after 1 hour)",
    "raw.service_calls is stale: newest period_start 2024-02-29 23:00:00 UTC, 19 d 0 h 0 min "
    "before 2024-03-19 23:00:00 UTC (warn after 1 day)",
]


def test_ops_a_stale_feed_is_a_warning_in_the_run_summary(small_run):
    _, stdout = small_run
    assert [line.strip() for line in stdout.splitlines() if " is stale: " in line] == [
        f"WARNING {message}" for message in SMALL_RUN_STALE
    ]
    assert stdout.rstrip().splitlines()[-2] == "Run succeeded."


def test_ops_the_serving_copy_carries_the_freshness_the_run_judged(small_run):
    rows = query(
        serving_copy_of(small_run[0]),
        "select source, status, message from audit.source_freshness order by source",
    )
    assert rows == [
        ("raw.changes", "warn", SMALL_RUN_STALE[0]),
        # 2024-03-10 01:00 (+01:00); the version recorded on 25 March came after T.
        ("raw.incidents", "pass", None),
        ("raw.probe_checks", "warn", SMALL_RUN_STALE[1]),
        ("raw.service_calls", "warn", SMALL_RUN_STALE[2]),
        ("raw.service_windows", "pass", None),  # announced 20 February: 28 days
    ]


def test_ops_the_quality_page_names_the_stale_feeds(small_run, tmp_path, monkeypatch):
    served = tmp_path / "warehouse.duckdb"  # only its serving copy exists
    shutil.copyfile(serving_copy_of(small_run[0]), serving_copy_of(served))
    monkeypatch.setenv("DRIFTSSTATUS_WAREHOUSE", str(served))
    monkeypatch.delenv("DRIFTSSTATUS_AS_OF", raising=False)
    at = AppTest.from_file(str(REPO_ROOT / "app" / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/quality.py").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Forældede datakilder"] == "3"
    assert [w.value for w in at.warning] == [
        "Forældede datakilder: raw.changes, raw.probe_checks, raw.service_calls"
    ]
    (table,) = [d.value for d in at.dataframe if "Forældet efter" in d.value.columns]
    assert table[["Kilde", "Tidsfelt", "Forældet efter", "Status"]].values.tolist() == [
        ["raw.changes", "deployed_at", "14 days", "forældet"],
        ["raw.probe_checks", "checked_at", "1 hour", "forældet"],
        ["raw.service_calls", "period_start", "1 day", "forældet"],
        ["raw.incidents", "recorded_at", "56 days", "aktuel"],
        ["raw.service_windows", "announced_at", "91 days", "aktuel"],
    ]
    assert table["Alder (timer)"].round(2).tolist() == [455.5, 1044.96, 456.0, 239.0, 685.5]
