"""GX validation of the raw tables: suites, per-file outcomes, audit rows, blocking checks."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from dagster_project.defs.landing import daily_raw_tables, raw_tables
from dagster_project.defs.partitions import range_tags
from dagster_project.defs.quality import gx_suites, sample_as_loaded
from dagster_project.defs.resources import LandingFolder
from dagster_project.landing.loader import load_source
from dagster_project.landing.sources import SOURCES, SOURCES_BY_NAME
from dagster_project.landing.store import store_dir
from dagster_project.quality import early, gx_worker
from dagster_project.quality import validate as validate_module
from dagster_project.quality.results import files_to_validate
from dagster_project.quality.suites import suite_document
from dagster_project.quality.validate import (
    sample_size,
    validate_file,
    validate_files,
    validate_pending,
)
from dagster_project.settings import DEFAULT_REFERENCE_DIR
from tests.processes import children_running

SMALL_LANDING = Path(__file__).with_name("landing_small")
PROBE_FILE = "probe_checks/checks.csv"
PROBE_HEADER = "checked_at,service_id,probe_id,status,response_ms\n"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SMALL_LANDING, tmp_path / "landing"))


@pytest.fixture
def con(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


def _load(con, landing: Path, *names: str) -> None:
    for name in names or [s.name for s in SOURCES]:
        load_source(con, landing, SOURCES_BY_NAME[name])


def _failed(outcome) -> dict[tuple[str, str | None], int | None]:
    return {(e.expectation_type, e.column): e.unexpected_count for e in outcome.failed}


def _stored(con, source: str, file: str) -> list[tuple]:
    return con.execute(
        "select expectation_type, column_name, unexpected_count, element_count "
        "from audit.validation_results where source = ? and file = ? and not success",
        [source, file],
    ).fetchall()


def test_suite_names_match_their_sources_and_known_services_come_from_the_seed():
    for source in SOURCES:
        assert suite_document(source.name)["name"] == source.name
    in_set = [
        e["kwargs"]["value_set"]
        for e in suite_document("probe_checks")["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set"
        and e["kwargs"]["column"] == "service_id"
    ]
    assert in_set == [{"$PARAMETER": "known_service_ids"}]


def test_contract_clean_files_pass_every_expectation_and_are_recorded_with_their_hash(landing, con):
    _load(con, landing)
    for source in SOURCES:
        for file in files_to_validate(con, source.name):
            outcome = validate_file(con, source.name, file)
            assert outcome.success, (file, outcome.failed)
            assert outcome.rows > 0
            assert len(outcome.expectations) == len(suite_document(source.name)["expectations"])
    stored = con.execute(
        "select r.source, count(*), bool_and(r.success), bool_and(r.sha256 = f.sha256) "
        "from audit.validation_results r join audit.loaded_files f using (source, file) "
        "group by r.source order by r.source"
    ).fetchall()
    assert stored == sorted(
        (s.name, len(suite_document(s.name)["expectations"]), True, True) for s in SOURCES
    )


def test_negative_response_ms_that_slipped_past_the_loader_fails_with_its_line(landing, con):
    _load(con, landing, "probe_checks")
    con.execute(
        "insert into raw.probe_checks_rows values "
        "('2024-02-01T00:30:00Z', 'ko_app', 'p1', 'up', -1, ?, 99)",
        [PROBE_FILE],
    )
    outcome = validate_file(con, "probe_checks", PROBE_FILE)
    assert _failed(outcome) == {("expect_column_values_to_be_between", "response_ms"): 1}
    [between] = outcome.failed
    assert between.examples == ["line 99: -1"]
    assert _stored(con, "probe_checks", PROBE_FILE) == [
        ("expect_column_values_to_be_between", "response_ms", 1, outcome.rows)
    ]


def test_files_validated_together_keep_a_failure_on_the_file_it_came_from(landing, con):
    """The samples of several files are validated in one GX run; when that run fails, each
    file is validated on its own, so the failure is recorded against its file only."""
    second = landing / "probe_checks" / "second.csv"
    second.write_text(PROBE_HEADER + "2024-02-01T00:31:00Z,ko_app,p1,up,5\n", encoding="utf-8")
    _load(con, landing, "probe_checks")
    files = files_to_validate(con, "probe_checks")
    assert sorted(files) == [PROBE_FILE, "probe_checks/second.csv"]
    clean = validate_files(con, "probe_checks", files)
    assert [o.success for o in clean] == [True, True]
    assert (
        sum(o.rows for o in clean)
        == con.execute("select count(*) from raw.probe_checks").fetchone()[0]
    )
    con.execute(
        "insert into raw.probe_checks_rows values "
        "('2024-02-01T00:30:00Z', 'ko_app', 'p1', 'up', -1, 'probe_checks/second.csv', 99)"
    )
    outcomes = {o.file: o for o in validate_files(con, "probe_checks", files)}
    assert outcomes[PROBE_FILE].success
    assert _failed(outcomes["probe_checks/second.csv"]) == {
        ("expect_column_values_to_be_between", "response_ms"): 1
    }
    assert _stored(con, "probe_checks", PROBE_FILE) == []
    assert _stored(con, "probe_checks", "probe_checks/second.csv") == [
        ("expect_column_values_to_be_between", "response_ms", 1, 2)
    ]


def test_service_id_outside_the_services_seed_fails_the_known_services_expectation(landing, con):
    _load(con, landing, "probe_checks")
    con.execute(
        "insert into raw.probe_checks_rows values "
        "('2024-02-01T00:30:00Z', 'no_such_service', 'p1', 'down', 5, ?, 99)",
        [PROBE_FILE],
    )
    outcome = validate_file(con, "probe_checks", PROBE_FILE)
    assert _failed(outcome) == {("expect_column_values_to_be_in_set", "service_id"): 1}


def test_failed_calls_above_calls_fails_the_pair_expectation(landing, con):
    _load(con, landing, "service_calls")
    con.execute(
        "insert into raw.service_calls values "
        "('2024-02-29T21:00:00Z', 'm1', 'SF1601', 3, 4, 'service_calls/calls.csv', 99)"
    )
    outcome = validate_file(con, "service_calls", "service_calls/calls.csv")
    assert _failed(outcome) == {
        ("expect_column_pair_values_a_to_be_greater_than_b", "calls,failed_calls"): 1
    }


def test_service_calls_of_an_instant_within_an_hour_fail_the_whole_hour_expectation(landing, con):
    _load(con, landing, "service_calls")
    con.execute(
        "insert into raw.service_calls values "
        "('2024-02-29T21:30:00Z', 'm1', 'SF1601', 3, 0, 'service_calls/calls.csv', 98), "
        "('2024-02-29T21:00:00.25Z', 'm1', 'SF1601', 3, 0, 'service_calls/calls.csv', 99)"
    )
    outcome = validate_file(con, "service_calls", "service_calls/calls.csv")
    assert _failed(outcome) == {("expect_column_values_to_match_regex", "period_start"): 2}
    assert outcome.failed[0].examples == [
        "line 98: 2024-02-29T21:30:00+00:00",
        "line 99: 2024-02-29T21:00:00.250000+00:00",
    ]


def test_a_change_id_with_an_invisible_character_fails_the_id_expectation(landing, con):
    """The loader rejects such a row; GX's restatement finds one it let through."""
    _load(con, landing, "changes")
    file = "changes/changes.csv"
    con.execute(
        "insert into raw.changes values ('CH-1\u00a0', 'stoettesystemer', 'production', "
        "'change', '2024-02-01T10:00:00Z', null, ?, 98), ('CH\u200b2', 'stoettesystemer', "
        "'production', 'fix', '2024-02-01T11:00:00Z', null, ?, 99)",
        [file, file],
    )
    outcome = validate_file(con, "changes", file)
    assert _failed(outcome) == {("expect_column_values_to_not_match_regex", "change_id"): 2}


def test_incident_ending_before_it_starts_fails_while_open_incidents_are_ignored(landing, con):
    _load(con, landing, "incidents")
    file = "incidents/incidents.jsonl"
    assert con.execute("select count(*) from raw.incidents where ended_at is null").fetchone()[0]
    con.execute(
        "insert into raw.incidents (incident_id, recorded_at, service_ids, severity, impact, "
        "started_at, ended_at, status, _file, _line) values ('I-BAD', '2024-02-02T00:00:00Z', "
        "['ko_app'], 'red', 0, '2024-02-02T00:00:00Z', '2024-02-01T00:00:00Z', 'resolved', ?, 99)",
        [file],
    )
    outcome = validate_file(con, "incidents", file)
    assert _failed(outcome) == {
        ("expect_column_pair_values_a_to_be_greater_than_b", "ended_at,started_at"): 1,
        ("expect_column_values_to_be_between", "impact"): 1,
    }


def test_empty_service_ids_list_fails_the_length_expectation(landing, con):
    _load(con, landing, "incidents")
    file = "incidents/incidents.jsonl"
    con.execute(
        "insert into raw.incidents (incident_id, recorded_at, service_ids, severity, started_at, "
        "status, _file, _line) values ('I-NONE', '2024-02-02T00:00:00Z', [], 'red', "
        "'2024-02-02T00:00:00Z', 'open', ?, 99)",
        [file],
    )
    outcome = validate_file(con, "incidents", file)
    assert _failed(outcome) == {("expect_column_values_to_be_between", "service_ids__length"): 1}


def test_timestamp_without_time_zone_fails_the_type_expectation(landing, con):
    _load(con, landing, "changes")
    con.execute("alter table raw.changes alter deployed_at type timestamp")
    outcome = validate_file(con, "changes", "changes/changes.csv")
    assert _failed(outcome) == {("expect_column_values_to_be_of_type", "deployed_at"): None}
    assert outcome.failed[0].examples == ["observed: datetime64"]


def _load_big_file(tmp_path: Path, con, bad_lines: tuple[int, int]) -> None:
    """probe_checks/big.csv: 5,000 rows on lines 2..5001; response_ms -5 on `bad_lines`."""
    lines = [f"2024-02-01T00:00:00Z,ko_app,p1,up,{i}\n" for i in range(5000)]
    folder = tmp_path / "big" / "probe_checks"
    folder.mkdir(parents=True)
    (folder / "big.csv").write_text(PROBE_HEADER + "".join(lines), encoding="utf-8")
    load_source(con, tmp_path / "big", SOURCES_BY_NAME["probe_checks"])
    (copy,) = (store_dir(con) / "probe_checks").iterdir()  # the file's typed records
    first, second = bad_lines
    con.execute(
        f"copy (select * replace (case when _line in ({first}, {second}) then -5 "
        f"else response_ms end as response_ms) from '{copy}') to '{copy}.new' (format parquet)"
    )
    copy.with_name(copy.name + ".new").replace(copy)


def test_chunk_results_add_up_to_the_whole_file(tmp_path, con, monkeypatch):
    _load_big_file(tmp_path, con, (10, 4500))
    monkeypatch.setattr(validate_module, "CHUNK_ROWS", 2048)
    outcome = validate_file(con, "probe_checks", "probe_checks/big.csv")
    assert (outcome.rows, outcome.chunks) == (5000, 3)
    [between] = outcome.failed
    assert (between.unexpected_count, between.element_count) == (2, 5000)
    assert between.examples == ["line 10: -5", "line 4500: -5"]


def test_a_file_above_the_sample_size_is_validated_on_stretches_spread_over_it(
    tmp_path, con, monkeypatch
):
    """Four stretches of 250 lines from the first line to the last: line 10 is in the
    first, line 4501 between the third and the fourth."""
    assert validate_module.sample_stretches((2, 5001), 1000) == [
        (2, 251), (1585, 1834), (3168, 3417), (4752, 5001)
    ]  # fmt: skip
    assert validate_module.sample_stretches((2, 5001), 5000) == [(2, 5001)]
    assert validate_module.sample_stretches(None, 1000) == []
    _load_big_file(tmp_path, con, (10, 4501))
    monkeypatch.setattr(validate_module, "SAMPLE_ABOVE", 1000)
    outcome = validate_file(con, "probe_checks", "probe_checks/big.csv")
    assert (outcome.rows, outcome.rows_in_file) == (1000, 5000)
    [between] = outcome.failed
    assert (between.unexpected_count, between.element_count) == (1, 1000)
    assert between.examples == ["line 10: -5"]


def _gx_workers() -> list[int]:
    return children_running("dagster_project.quality.gx_worker")


def _nice_values(pid: int) -> set[int]:
    """The nice values of the process's threads (Linux keeps one per thread)."""
    values = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            stat = (task / "stat").read_text()
            values.add(int(stat[stat.rindex(")") + 2 :].split()[16]))
    return values


def test_ops_the_started_gx_worker_validates_as_this_process_does_and_is_gone_after(tmp_path, con):
    """`driftsstatus run` starts a GX worker before it imports Dagster: the suites run
    there, with the outcomes, counts and line examples they have in this process. It
    imports GX on a thread of lower priority (the time the run leaves idle) and answers
    at this process's, on its main thread."""
    _load_big_file(tmp_path, con, (10, 4500))
    here = validate_file(con, "probe_checks", "probe_checks/big.csv")
    assert _gx_workers() == []
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    with gx_worker.started():
        [worker] = _gx_workers()
        deadline = time.monotonic() + 30
        while min(ours + 15, 19) not in _nice_values(worker) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert min(ours + 15, 19) in _nice_values(worker)
        there = validate_file(con, "probe_checks", "probe_checks/big.csv")
        assert _gx_workers() == [worker]
        assert os.getpriority(os.PRIO_PROCESS, worker) == ours  # its main thread, answering
    assert _gx_workers() == []
    assert there.expectations == here.expectations
    [between] = there.failed
    assert (between.unexpected_count, between.element_count) == (2, 5000)
    assert between.examples == ["line 10: -5", "line 4500: -5"]


def test_ops_a_failure_inside_the_gx_worker_is_raised_here_with_its_traceback():
    with gx_worker.started(), pytest.raises(RuntimeError) as raised:
        gx_worker.run_suite("no_such_source", [], {}, 1000)
    message = str(raised.value)
    assert message.startswith("GX failed in its worker process:\nTraceback")
    assert "expectations/no_such_source.json" in message
    assert _gx_workers() == []


def test_ops_a_module_the_gx_worker_defers_is_imported_when_a_name_of_it_is_read():
    """The worker leaves SciPy's statistics and Altair unimported until GX uses them: a
    name read through the deferred module is the module's own, and the module is then
    the imported one."""
    name = "colorsys"  # a standard module nothing here imports
    sys.modules.pop(name, None)
    deferred = gx_worker._Deferred(name)
    sys.modules[name] = deferred
    try:
        assert not hasattr(deferred, "__file__")  # the import system's probes load nothing
        assert sys.modules[name] is deferred
        assert deferred.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
        imported = sys.modules[name]
        assert imported is not deferred and imported.__file__.endswith("colorsys.py")
        assert deferred.hsv_to_rgb is imported.hsv_to_rgb
    finally:
        sys.modules.pop(name, None)


def test_ops_a_deferred_package_imports_its_submodules():
    name = "xml.dom"  # a package nothing here imports, with submodules
    for loaded in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[loaded]
    sys.modules[name] = gx_worker._Deferred(name)
    try:
        from xml.dom import minidom

        assert minidom.parseString("<a/>").documentElement.tagName == "a"
        assert sys.modules[name].__file__.endswith("__init__.py")
    finally:
        for loaded in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[loaded]


def test_unchanged_files_are_skipped_and_a_changed_file_is_validated_again(landing, con):
    _load(con, landing, "probe_checks")
    assert files_to_validate(con, "probe_checks") == [PROBE_FILE]
    validate_file(con, "probe_checks", PROBE_FILE)
    assert files_to_validate(con, "probe_checks") == []

    path = landing / PROBE_FILE
    path.write_text(path.read_text() + "2024-02-01T01:00:00Z,ko_app,p1,up,-3\n")
    _load(con, landing, "probe_checks")  # the loader rejects -3; the hash changes all the same
    assert files_to_validate(con, "probe_checks") == [PROBE_FILE]
    validate_file(con, "probe_checks", PROBE_FILE)
    assert con.execute(
        "select count(*), count(distinct sha256) from audit.validation_results"
    ).fetchone() == (len(suite_document("probe_checks")["expectations"]), 1)


def _materialize(landing: Path, warehouse: Path, *extra: dg.AssetsDefinition):
    """Every raw table, the daily ones over the days of the small folder's rows (February
    and March 2024: a run over every day since 2020 stores thousands of day events), with
    the GX checks."""
    return dg.materialize(
        [raw_tables, daily_raw_tables, gx_suites, *extra],
        resources={
            "duckdb": DuckDBResource(database=str(warehouse)),
            "landing": LandingFolder(path=str(landing)),
        },
        tags=range_tags("2024-02-01", "2024-03-31"),
        raise_on_error=False,
    )


def _gx_evaluations(result) -> dict:
    """The GX suite's evaluation per source (the raw assets carry other checks too)."""
    return {
        e.asset_key.path[-1]: e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "gx_suite"
    }


def test_raw_assets_materialize_with_passing_gx_checks_and_their_metadata(landing, tmp_path):
    result = _materialize(landing, tmp_path / "w.duckdb")
    evaluations = _gx_evaluations(result)
    assert set(evaluations) == {s.name for s in SOURCES}
    assert all(e.passed for e in evaluations.values())
    probe = evaluations["probe_checks"]
    assert probe.severity == dg.AssetCheckSeverity.ERROR
    assert probe.metadata["files_validated"].value == 1
    assert probe.metadata["rows_validated"].value == 15
    assert probe.metadata["failures"].value == "No failed expectations."

    again = _materialize(landing, tmp_path / "w.duckdb")
    rerun = _gx_evaluations(again)
    assert rerun["probe_checks"].metadata["files_validated"].value == 0


def test_failing_gx_check_blocks_the_assets_downstream(landing, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:  # loaded before, then data slipped in
        _load(con, landing)
        con.execute(
            "insert into raw.probe_checks_rows values "
            "('2024-02-01T00:30:00Z', 'ko_app', 'p1', 'sideways', 5, ?, 99)",
            [PROBE_FILE],
        )
        # ... and counted, so that only the suite can notice it.
        con.execute(
            "update audit.loaded_files set data_rows = data_rows + 1, "
            "rows_loaded = rows_loaded + 1 where file = ?",
            [PROBE_FILE],
        )
        con.execute(
            "update audit.loaded_windows set data_rows = data_rows + 1 where file = ?",
            [PROBE_FILE],
        )

    @dg.asset(deps=[dg.AssetKey(["raw", "probe_checks"])])
    def downstream() -> None:
        """Stands in for the dbt staging model reading raw.probe_checks."""

    result = _materialize(landing, warehouse, downstream)
    evaluations = _gx_evaluations(result)
    assert not evaluations["probe_checks"].passed
    assert "expect_column_values_to_be_in_set | status | 1 | line 99: sideways" in (
        evaluations["probe_checks"].metadata["failures"].value
    )
    assert not result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey("downstream") not in materialized


def test_gx_a_run_validates_every_file_it_loaded_and_its_checks_report_them(sample_run, tmp_path):
    """`driftsstatus run` begins a source's validation as its load ends, in the background
    (quality/early.py); the source's check reports what that validation found: every
    loaded file validated, none twice, none left to the next run."""
    warehouse, _env, _output = sample_run
    copy = shutil.copyfile(warehouse, tmp_path / "w.duckdb")  # files_to_validate writes
    with duckdb.connect(str(copy)) as con:
        loaded = dict(
            con.execute("select source, count(*) from audit.loaded_files group by all").fetchall()
        )
        validated = dict(
            con.execute(
                "select source, count(distinct file) from audit.validation_results "
                "join audit.loaded_files using (source, file, sha256) group by all"
            ).fetchall()
        )
        left = {s.name: files_to_validate(con, s.name) for s in SOURCES}
    assert validated == loaded
    assert loaded["probe_checks"] > 1
    assert left == {s.name: [] for s in SOURCES}
    with dg.DagsterInstance.from_config(str(warehouse.parent / "dagster")) as instance:
        [load] = [
            r.dagster_run
            for r in instance.get_run_records()
            if r.dagster_run.job_name == "load_landing"
        ]
        records = instance.get_records_for_run(
            load.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    reported = {
        e.asset_key.path[-1]: e.metadata["files_validated"].value
        for e in evaluations
        if e.check_name == "gx_suite" and e.passed
    }
    assert reported == {s.name: loaded.get(s.name, 0) for s in SOURCES}


def _probe_file(landing: Path, name: str, day: int, services: tuple[str, ...]) -> None:
    """A probe-check file of one day: two probes, every 30 minutes."""
    lines = [
        f"2024-02-{day:02d}T{hour:02d}:{minute:02d}:00Z,{service},{probe},up,{40 + hour}\n"
        for service in services
        for probe in ("p1", "p2")
        for hour in range(24)
        for minute in (0, 30)
    ]
    (landing / "probe_checks" / name).write_text(PROBE_HEADER + "".join(lines), encoding="utf-8")


def test_gx_samples_written_as_files_load_are_the_ones_the_check_validates(tmp_path, landing):
    """In `driftsstatus run` each file's GX sample is written as soon as the file's load is
    committed (the loader tells of each file it loads, and how many it loads), while the
    loader goes on; the validation then validates those samples without reading the raw
    store again, and finds what validating afterwards from the raw store finds."""
    _probe_file(landing, "second.csv", 2, ("ko_app", "ko_infra"))
    warehouse = tmp_path / "w.duckdb"
    told: list[tuple[str, int]] = []
    with early.allowed():
        resource = DuckDBResource(database=str(warehouse))
        sample_early = sample_as_loaded(resource, "probe_checks")

        def loaded(file: str, loading: int) -> None:
            told.append((file, loading))
            sample_early(file, loading)

        with resource.get_connection() as con:  # held open, as `driftsstatus run` does
            summary = load_source(con, landing, SOURCES_BY_NAME["probe_checks"], on_loaded=loaded)
            again = load_source(con, landing, SOURCES_BY_NAME["probe_checks"], on_loaded=loaded)
            samples = early.samples("probe_checks")
            # Without the raw store only the samples can be validated.
            kept = store_dir(con) / "probe_checks"
            kept.rename(kept.with_name("elsewhere"))
            try:
                pending, early_outcomes = validate_pending(
                    con, "probe_checks", DEFAULT_REFERENCE_DIR, samples
                )
            finally:
                kept.with_name("elsewhere").rename(kept)
            con.execute("delete from audit.validation_results")
            _, later_outcomes = validate_pending(con, "probe_checks", DEFAULT_REFERENCE_DIR)
    files = ["probe_checks/checks.csv", "probe_checks/second.csv"]
    assert (summary.files_loaded, again.files_loaded, again.files_skipped) == (2, 0, 2)
    assert told == [(file, 2) for file in files]  # the second load loaded nothing
    assert sorted(samples) == pending == files
    assert {s.size for s in samples.values()} == {sample_size(2)}

    def found(outcomes) -> list[tuple]:
        return [
            (
                o.file,
                o.sha256,
                o.rows,
                o.rows_in_file,
                [(e.expectation_type, e.column, e.success) for e in o.expectations],
            )
            for o in outcomes
        ]

    assert found(early_outcomes) == found(later_outcomes)
    assert [o.rows for o in early_outcomes] == [15, 192]
