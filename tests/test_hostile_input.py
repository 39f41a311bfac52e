"""Bad input a hostile sender could land: nothing is lost, nothing crashes (data contract,
"Bad input"). Each test lands one kind of damage beside good rows and checks that the
good rows load, each bad row is rejected with its file, line and a reason naming the
column and value, and rows loaded + rejected = data rows for every file."""

from __future__ import annotations

import gzip
import json
import os
import struct
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.landing.changes import landed_span, months_touched
from dagster_project.landing.loader import LandingUnavailable, load_source, unaccounted_files
from dagster_project.landing.sources import SOURCES_BY_NAME
from dagster_project.timeline import local_today

PROBES = SOURCES_BY_NAME["probe_checks"]
HEADER = "checked_at,service_id,probe_id,status,response_ms\n"
GOOD = "2024-01-05T10:00:00Z,ko_app,p1,up,12\n"
RESOLVED = {  # an incident version, less its id
    "recorded_at": "2024-01-05T10:00:00Z",
    "service_ids": ["ko_app"],
    "severity": "red",
    "started_at": "2024-01-05T09:00:00Z",
    "ended_at": "2024-01-05T09:30:00Z",
    "status": "resolved",
}


@pytest.fixture
def today():
    """The Copenhagen day in progress, read when the test starts: a module-level value goes
    stale when a run crosses midnight."""
    return local_today()


@pytest.fixture
def con(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


def _land(landing: Path, name: str, data: str | bytes) -> Path:
    path = landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _parquet(path: Path, select: str, options: str = "") -> None:
    """A Parquet landing file of the rows of `select`, written by DuckDB."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as scratch:
        scratch.execute(f"copy ({select}) to '{path}' {options}")


def _rejects(con) -> list[tuple]:
    return con.execute(
        "select file, line_number, reason from audit.rejected_rows order by file, line_number"
    ).fetchall()


def _accounted(con, source) -> None:
    assert unaccounted_files(con, source) == []
    for file, data_rows, loaded, rejected, pending in con.execute(
        "select file, data_rows, rows_loaded, rows_rejected, rows_pending from audit.loaded_files "
        "where source = ?",
        [source.name],
    ).fetchall():
        assert data_rows == loaded + rejected + pending, file


def test_contract_instants_the_warehouse_cannot_place_are_rejected_never_dropped(
    today, tmp_path, con
):
    """Before the first reported month, after the day in progress, or beyond any calendar:
    a reason each, and months_touched/landed_span still work on the folder."""
    stamps = [
        "9999-12-31T23:59:59Z",
        "10000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "2019-12-31T22:59:59Z",
        "2100-01-01T00:00:00Z",
    ]
    _land(
        tmp_path,
        "probe_checks/far.csv",
        HEADER + GOOD + "".join(f"{s},ko_app,p1,down,1\n" for s in stamps),
    )
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.files_rejected, summary.rows_loaded, summary.rows_rejected) == (0, 1, 6)
    late = f"after the day in progress ({today:%Y-%m-%d})"
    early = "before the first reported month (2020-01)"
    assert _rejects(con) == [
        ("probe_checks/far.csv", 3, f"checked_at: {late} in '9999-12-31T23:59:59Z'"),
        ("probe_checks/far.csv", 4, f"checked_at: {late} in '10000-01-01T00:00:00Z'"),
        ("probe_checks/far.csv", 5, f"checked_at: {early} in '-0001-01-01T00:00:00Z'"),
        ("probe_checks/far.csv", 6, f"checked_at: {early} in '0001-01-01T00:00:00Z'"),
        ("probe_checks/far.csv", 7, f"checked_at: {early} in '2019-12-31T22:59:59Z'"),
        ("probe_checks/far.csv", 8, f"checked_at: {late} in '2100-01-01T00:00:00Z'"),
    ]
    _accounted(con, PROBES)
    names = ("probe_checks/far.csv",)
    assert months_touched(tmp_path, names, None, today) == (date(2024, 1, 1), date(2024, 1, 1))
    january = (date(2024, 1, 1), date(2024, 1, 1))
    assert landed_span(tmp_path, tmp_path / "not-built.duckdb", today) == january


def test_contract_rows_outside_every_day_partition_are_rejected_in_a_day_load(tmp_path, con):
    """A day load rejects the unplaceable rows too (they belong to no day), so the file's
    rows add up: loaded + rejected + rows of days not loaded yet = data rows."""
    from datetime import UTC, datetime

    _land(
        tmp_path,
        "probe_checks/days.csv",
        HEADER
        + GOOD
        + "2024-01-06T10:00:00Z,ko_app,p1,up,1\n2100-01-01T00:00:00Z,ko_app,p1,up,1\n",
    )
    window = (datetime(2024, 1, 4, 23, tzinfo=UTC), datetime(2024, 1, 5, 23, tzinfo=UTC))
    summary = load_source(con, tmp_path, PROBES, window)
    assert (summary.rows_loaded, summary.rows_rejected) == (1, 1)
    assert con.execute(
        "select data_rows, rows_loaded, rows_rejected, rows_pending from audit.loaded_files"
    ).fetchall() == [(3, 1, 1, 1)]
    _accounted(con, PROBES)


def test_contract_other_sources_reject_instants_they_cannot_place(today, tmp_path, con):
    _land(
        tmp_path,
        "changes/c.csv",
        "change_id,area,environment,kind,deployed_at,summary\n"
        "C1,stoettesystemer,production,change,2019-06-01T10:00:00Z,old\n"
        "C2,stoettesystemer,production,change,2024-01-10T10:00:00Z,good\n",
    )
    incident = {
        "incident_id": "I1",
        "recorded_at": "2024-01-05T10:00:00Z",
        "service_ids": ["ko_app"],
        "severity": "red",
        "started_at": "2024-01-05T09:00:00Z",
        "ended_at": "9999-12-31T00:00:00Z",
        "status": "resolved",
    }
    _land(tmp_path, "incidents/i.jsonl", json.dumps(incident) + "\n")
    _land(
        tmp_path,
        "service_windows/w.csv",
        "window_id,service_id,starts_at,ends_at,announced_at,description\n"
        "W1,ko_app,2100-01-01T10:00:00Z,2100-01-01T11:00:00Z,2024-01-01T10:00:00Z,far\n"
        f"W2,ko_app,{today.year + 1}-01-01T10:00:00Z,{today.year + 1}-01-01T11:00:00Z,"
        "2024-01-01T10:00:00Z,planned next year\n",
    )
    for name in ("changes", "incidents", "service_windows"):
        load_source(con, tmp_path, SOURCES_BY_NAME[name])
        _accounted(con, SOURCES_BY_NAME[name])
    ahead = "more than 731 days ahead"
    assert _rejects(con) == [
        (
            "changes/c.csv",
            2,
            "deployed_at: before the first reported month (2020-01) in '2019-06-01T10:00:00Z'",
        ),
        (
            "incidents/i.jsonl",
            1,
            f"ended_at: after the day in progress ({today:%Y-%m-%d}) in '9999-12-31T00:00:00Z'",
        ),
        (
            "service_windows/w.csv",
            2,
            f"starts_at: {ahead} in '2100-01-01T10:00:00Z'; "
            f"ends_at: {ahead} in '2100-01-01T11:00:00Z'",
        ),
    ]
    assert con.execute("select window_id from raw.service_windows").fetchall() == [("W2",)]
    # A window planned for next year bears on no month reported yet.
    names = ("service_windows/w.csv",)
    month = today.replace(day=1)
    assert months_touched(tmp_path, names, None, today) == (month, month)


def test_contract_a_value_no_raw_column_holds_is_one_rejected_row(tmp_path, con):
    _land(
        tmp_path,
        "probe_checks/big.csv",
        HEADER + GOOD + "2024-01-05T10:01:00Z,ko_app,p1,up,3000000000\n",
    )
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.rows_loaded, summary.rows_rejected) == (1, 1)
    assert _rejects(con) == [
        ("probe_checks/big.csv", 3, "response_ms: above 2147483647 in '3000000000'")
    ]


def test_r4_an_id_with_an_invisible_character_is_rejected_not_a_probe_of_its_own(tmp_path, con):
    """'p1' with a zero-width space, a no-break space inside or a tab would be another
    probe, voting apart from p1 in R4's majority; in text and Parquet alike (a clean
    Parquet file is proved clean by its distinct values), and in an incident id written
    as a JSON escape. Blanks around an id are trimmed (a no-break space too, as DuckDB
    trims); a space inside an id is a character like any other."""
    ids = ["p1", "p1\u00a0", "p\u200b1", "\tp1", "p\u00a01", "p 1"]
    rows = "".join(f"2024-01-05T10:0{i}:00Z,ko_app,{p},up,5\n" for i, p in enumerate(ids))
    _land(tmp_path, "probe_checks/a.csv", HEADER + rows)
    _parquet(
        tmp_path / "probe_checks" / "b.parquet",
        "select '2024-01-05T11:00:00Z'::timestamptz as checked_at, 'ko_app' as service_id, "
        "unnest(['p2', 'p2' || chr(8203)]) as probe_id, 'up' as status, 5 as response_ms",
    )
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.rows_loaded, summary.rows_rejected) == (4, 4)
    incident = json.dumps({**RESOLVED, "incident_id": "I1\u2060"})
    _land(tmp_path, "incidents/i.jsonl", incident + "\n")
    load_source(con, tmp_path, SOURCES_BY_NAME["incidents"])
    reason = "an invisible or control character"
    assert _rejects(con) == [
        ("incidents/i.jsonl", 1, f"incident_id: {reason} (U+2060) in 'I1\u2060'"),
        ("probe_checks/a.csv", 4, f"probe_id: {reason} (U+200B) in 'p\u200b1'"),
        ("probe_checks/a.csv", 5, f"probe_id: {reason} (U+0009) in '\tp1'"),
        ("probe_checks/a.csv", 6, f"probe_id: {reason} (U+00A0) in 'p\u00a01'"),
        ("probe_checks/b.parquet", 2, f"probe_id: {reason} (U+200B) in 'p2\u200b'"),
    ]
    assert con.execute(
        "select probe_id, count(*) from raw.probe_checks group by 1 order by 1"
    ).fetchall() == [("p 1", 1), ("p1", 2), ("p2", 1)]
    _accounted(con, PROBES)


def _load_calls(landing: Path, con, rows: list[str]):
    """Load a service_calls file of these CSV rows (after its header)."""
    header = "period_start,environment,service_code,calls,failed_calls\n"
    _land(landing, "service_calls/c.csv", header + "".join(f"{row}\n" for row in rows))
    return load_source(con, landing, SOURCES_BY_NAME["service_calls"])


def test_contract_integers_are_digits_never_coerced(tmp_path, con):
    rows = ["1.5", "1.000", "0x10", "1e3", " 7 ", "99999999999999999999"]
    summary = _load_calls(
        tmp_path, con, [f"2024-01-05T{h:02d}:00:00Z,m1,SF1601,{v},0" for h, v in enumerate(rows)]
    )
    assert (summary.rows_loaded, summary.rows_rejected) == (1, 5)
    assert con.execute("select calls from raw.service_calls").fetchall() == [(7,)]
    assert [reason for *_, reason in _rejects(con)] == [
        "calls: not an integer '1.5'",
        "calls: not an integer '1.000'",
        "calls: not an integer '0x10'",
        "calls: not an integer '1e3'",
        "calls: out of range '99999999999999999999'",
    ]


def test_contract_service_calls_count_whole_hours_in_any_offset(tmp_path, con):
    """period_start is the start of an hour: a count of another instant is rejected,
    whatever offset writes it; an hour written in Copenhagen's offset loads as its UTC
    hour."""
    starts = [
        "2024-01-05T10:00:00Z",
        "2024-01-05T12:00:00+01:00",
        "2024-01-05T10:30:00Z",
        "2024-01-05T10:00:00.5Z",
        "2024-01-05T10:00:01+00:00",
        "2024-01-05T15:00:00+05:30",
    ]
    summary = _load_calls(
        tmp_path, con, [f"{start},m1,SF160{n},5,0" for n, start in enumerate(starts)]
    )
    assert (summary.rows_loaded, summary.rows_rejected) == (2, 4)
    loaded = con.execute(
        "select service_code, strftime(period_start at time zone 'UTC', '%H:%M') "
        "from raw.service_calls order by 1"
    ).fetchall()
    assert loaded == [("SF1600", "10:00"), ("SF1601", "11:00")]
    assert _rejects(con) == [
        ("service_calls/c.csv", line, "period_start: not the start of an hour")
        for line in (4, 5, 6, 7)
    ]


def test_contract_a_damaged_parquet_file_is_rejected_whole_and_the_rest_loads(tmp_path, con):
    folder = tmp_path / "probe_checks"
    folder.mkdir()
    _parquet(
        folder / "good.parquet",
        "select timestamptz '2024-01-05 00:00:00+00' + to_minutes(range) as checked_at, "
        "'ko_app' as service_id, 'p' || (range % 7) as probe_id, 'up' as status, "
        "(range % 1000)::integer as response_ms from range(200000)",
        "(compression snappy)",
    )
    data = bytearray((folder / "good.parquet").read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 2000):
        data[i] ^= 0x5A
    (folder / "damaged.parquet").write_bytes(bytes(data))
    _land(tmp_path, "probe_checks/text.csv", HEADER + GOOD)
    summary = load_source(con, tmp_path, PROBES)
    (name, reason), *_ = summary.rejected_files
    assert (summary.files_loaded, summary.files_rejected, name) == (
        2,
        1,
        "probe_checks/damaged.parquet",
    )
    assert reason.startswith("not a readable Parquet file (")
    assert con.execute("select count(*) from raw.probe_checks").fetchone() == (200_001,)
    _accounted(con, PROBES)


def _misstating_parquet(path: Path) -> None:
    """21 probe checks of ko_app in two row groups, the first of which says in the footer
    that its last instant is 2023-12-10 10:09:30 while its last row is a check of
    2024-01-15 10:00:30 (a broken writer's statistics: the footer patched in place)."""
    december = datetime(2023, 12, 10, 10, 0, 30, tzinfo=UTC)
    hidden = datetime(2024, 1, 15, 10, 0, 30, tzinfo=UTC)
    instants = [december + timedelta(minutes=i) for i in range(10)] + [hidden]
    instants += [december + timedelta(days=10, minutes=i) for i in range(10)]
    table = pa.table(
        {
            "checked_at": pa.array(instants, pa.timestamp("us", tz="UTC")),
            "service_id": ["ko_app"] * 21,
            "probe_id": ["p1"] * 21,
            "status": ["up"] * 10 + ["down"] + ["up"] * 10,
            "response_ms": pa.array([12] * 21, pa.int32()),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=11, use_dictionary=False, compression="none")
    data = bytearray(path.read_bytes())
    footer = len(data) - 8 - struct.unpack("<i", data[-8:-4])[0]
    true, stated = (struct.pack("<q", int(t.timestamp() * 1e6)) for t in (hidden, instants[9]))
    assert data.count(true, footer) > 0
    data[footer:] = data[footer:].replace(true, stated)
    path.write_bytes(bytes(data))


def test_contract_a_parquet_file_whose_statistics_misstate_its_instants_loses_no_row(
    tmp_path, con, today
):
    """DuckDB skips row groups by their statistics: read as landed, January's check is in
    no January window. It is kept written again with true statistics, so a month's read
    of the raw store (as the hour fold reads it) finds it, and the file dates January."""
    file = tmp_path / "probe_checks" / "misstated.parquet"
    _misstating_parquet(file)
    january = "checked_at >= timestamptz '2024-01-01 00:00:00+00'"
    with duckdb.connect() as scratch:
        assert scratch.execute(
            f"select count(*) from read_parquet('{file}') where {january}"
        ).fetchone() == (0,)
    assert landed_span(tmp_path, tmp_path / "not-built.duckdb", today) == (
        date(2023, 12, 1),
        date(2024, 1, 1),
    )
    load_source(con, tmp_path, PROBES)
    assert con.execute(
        f"select _file, _line, status from raw.probe_checks where {january}"
    ).fetchall() == [("probe_checks/misstated.parquet", 11, "down")]
    assert con.execute("select count(*), max(checked_at) from raw.probe_checks").fetchone() == (
        21,
        datetime(2024, 1, 15, 10, 0, 30, tzinfo=UTC),
    )
    _accounted(con, PROBES)


def test_contract_instants_judged_from_proved_statistics_are_still_each_checked(
    tmp_path, con, today
):
    """A new Parquet file's instants are judged from its statistics once the store's check
    has proved them exact (landing/witness.py, parquet_stats.py): an instant after the day
    in progress, in one file, and a missing one, in another (either alone sends its file
    to the row by row check), are each a rejected row; the good rows load."""
    good = "(timestamptz '2024-01-05 10:00:00+00', 'ko_app', 'p1', 'up', 12)"
    for name, bad in (("late", "timestamptz '2100-01-01 00:00:00+00'"), ("gap", "null")):
        _parquet(
            tmp_path / "probe_checks" / f"{name}.parquet",
            f"select * from (values {good}, ({bad}, 'ko_app', 'p1', 'down', 1)) "
            "as t(checked_at, service_id, probe_id, status, response_ms)",
        )
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.rows_loaded, summary.rows_rejected) == (2, 2)
    assert _rejects(con) == [
        ("probe_checks/gap.parquet", 2, "checked_at: missing"),
        (
            "probe_checks/late.parquet",
            2,
            f"checked_at: after the day in progress ({today:%Y-%m-%d}) in '2100-01-01 00:00:00+00'",
        ),
    ]
    _accounted(con, PROBES)


def test_contract_quoted_line_breaks_are_one_field_and_lines_stay_right(tmp_path, con):
    changes = SOURCES_BY_NAME["changes"]
    _land(
        tmp_path,
        "changes/multi.csv",
        "change_id,area,environment,kind,deployed_at,summary\n"
        'C1,stoettesystemer,production,change,2024-01-10T10:00:00Z,"Opgradering af KO\nTrin 2"\n'
        "C2,stoettesystemer,production,sideways,2024-01-10T11:00:00Z,bad kind\n"
        "\n"
        "C3,stoettesystemer,production,fix,2024-01-10T12:00:00Z,good\n"
        "C4,stoettesystemer,production,fix,2024-01-10T12:00:00Z\n",
    )
    summary = load_source(con, tmp_path, changes)
    assert (summary.files_rejected, summary.rows_loaded, summary.rows_rejected) == (0, 2, 2)
    assert con.execute(
        "select change_id, summary, _line from raw.changes order by 1"
    ).fetchall() == [
        ("C1", "Opgradering af KO\nTrin 2", 2),
        ("C3", "good", 6),
    ]
    assert _rejects(con) == [
        ("changes/multi.csv", 4, "kind: 'sideways' not one of change, fix"),
        ("changes/multi.csv", 7, "row: 5 fields where the header has 6"),
    ]
    _accounted(con, changes)


def test_contract_a_long_line_or_a_control_byte_is_one_row_not_the_file(tmp_path, con):
    incidents = SOURCES_BY_NAME["incidents"]
    base = RESOLVED
    long = json.dumps({**base, "incident_id": "LONG", "description": "x" * 3_000_000})
    control = json.dumps({**base, "incident_id": "CTRL"}).replace('"CTRL"', '"CT\x1fRL"')
    lines = [long, control, json.dumps({**base, "incident_id": "OK"}), "[1, 2]", "42"]
    _land(tmp_path, "incidents/i.jsonl", "\n".join(lines) + "\n")
    summary = load_source(con, tmp_path, incidents)
    assert (summary.files_rejected, summary.rows_loaded, summary.rows_rejected) == (0, 2, 3)
    assert con.execute(
        "select incident_id, length(description) from raw.incidents order by 1"
    ).fetchall() == [("LONG", 3_000_000), ("OK", None)]
    assert _rejects(con) == [
        ("incidents/i.jsonl", 2, "line: not a JSON object (holds a raw control character)"),
        ("incidents/i.jsonl", 4, "line: not a JSON object"),
        ("incidents/i.jsonl", 5, "line: not a JSON object"),
    ]
    _accounted(con, incidents)


def test_contract_strict_fields_offsets_nulls_nul_bytes_and_extra_fields(tmp_path, con):
    _land(
        tmp_path,
        "probe_checks/strict.csv",
        HEADER
        + GOOD
        + "2024-01-05T10:01:00+25:00,ko_app,p1,up,1\n"
        + "2024-01-05T10:02:00+99:99,ko_app,p1,up,1\n"
        + "2024-01-05T10:03:00+14:00,ko_app,p1,up,1\n"
        + "2024-01-05T10:04:00Z,ko_app,p\x001,up,1\n"
        + "2024-01-05T10:05:00Z,ko_app,p1,up,1,surplus\n",
    )
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.rows_loaded, summary.rows_rejected) == (2, 4)
    assert _rejects(con) == [
        ("probe_checks/strict.csv", 3, "checked_at: no UTC offset in '2024-01-05T10:01:00+25:00'"),
        ("probe_checks/strict.csv", 4, "checked_at: no UTC offset in '2024-01-05T10:02:00+99:99'"),
        ("probe_checks/strict.csv", 6, "probe_id: contains a NUL byte"),
        ("probe_checks/strict.csv", 7, "row: 6 fields where the header has 5"),
    ]
    incident = {
        "incident_id": "I1",
        "recorded_at": "2024-01-05T10:00:00Z",
        "service_ids": [None],
        "severity": "red",
        "started_at": "2024-01-05T09:00:00Z",
        "ended_at": None,
        "status": "open",
    }
    _land(tmp_path, "incidents/i.jsonl", json.dumps(incident) + "\n")
    load_source(con, tmp_path, SOURCES_BY_NAME["incidents"])
    assert _rejects(con)[0] == ("incidents/i.jsonl", 1, "service_ids: unknown service in '[null]'")


def test_contract_files_the_contract_does_not_read_are_reported_not_ignored(tmp_path, con):
    _land(tmp_path, "probe_checks/UPPER.CSV", HEADER + GOOD)
    _land(tmp_path, "probe_checks/UPPER.CSV.GZ", gzip.compress((HEADER + GOOD).encode()))
    _land(tmp_path, "probe_checks/notes.txt", "remember the milk\n")
    _land(tmp_path, "probe_checks/.partial-upload.csv", HEADER)
    _land(tmp_path, "probe_checks/twice.csv", HEADER.replace("probe_id", "status") + GOOD)
    _land(tmp_path, "probe_checks/danish.csv", HEADER.replace(",", ";") + GOOD.replace(",", ";"))
    _land(tmp_path, "probe_checks/capitals.csv", HEADER.replace("status", "Status") + GOOD)
    _land(tmp_path, "probe_checks/hidden.csv", HEADER.replace("probe_id", "probe_id\ufeff") + GOOD)
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.files_loaded, summary.rows_loaded) == (2, 2)
    assert dict(summary.rejected_files) == {
        "probe_checks/notes.txt": "not a file type of probe_checks/ (the contract reads "
        ".csv, .csv.gz, .parquet)",
        "probe_checks/twice.csv": "column(s) named twice in the header: status",
        "probe_checks/danish.csv": "missing required column(s): checked_at, service_id, "
        "probe_id, status; the header is separated by semicolons, the contract wants commas",
        "probe_checks/capitals.csv": "missing required column(s): status; the header writes "
        "'Status' (the contract's names are lower case, with no other character)",
        "probe_checks/hidden.csv": "missing required column(s): probe_id; the header writes "
        "'probe_id\\ufeff' (the contract's names are lower case, with no other character)",
    }


def test_r1_a_date_alone_is_not_a_timestamp_in_text_or_parquet(tmp_path, con):
    """'2024-01-05' ends in what looks like an offset (-05), and DuckDB reads it as
    midnight UTC: it has neither a time nor an offset (R1), as text or as a Parquet DATE."""
    _land(
        tmp_path,
        "probe_checks/dates.csv",
        HEADER
        + "2024-01-05,ko_app,p1,down,12\n"
        + "2024-01-25,ko_app,p1,down,12\n"
        + "2024-01-05+01:00,ko_app,p1,down,12\n"
        + "2024-01-05T10:00:00-05,ko_app,p1,up,12\n"
        + "2024-01-05 10:00:00.5+0100,ko_app,p1,up,12\n"
        # RFC 3339's lower-case 't' and 'z'.
        + "2024-01-05t11:00:00z,ko_app,p1,up,12\n",
    )
    _parquet(
        tmp_path / "probe_checks" / "dates.parquet",
        "select date '2024-01-06' as checked_at, 'ko_app' as service_id, "
        "'p1' as probe_id, 'down' as status, 12 as response_ms",
    )
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.rows_loaded, summary.rows_rejected) == (3, 4)
    assert _rejects(con) == [
        ("probe_checks/dates.csv", 2, "checked_at: not a timestamp '2024-01-05'"),
        ("probe_checks/dates.csv", 3, "checked_at: not a timestamp '2024-01-25'"),
        ("probe_checks/dates.csv", 4, "checked_at: not a timestamp '2024-01-05+01:00'"),
        ("probe_checks/dates.parquet", 1, "checked_at: not a timestamp '2024-01-06'"),
    ]
    assert con.execute(
        "select strftime(checked_at, '%d %H:%M:%S'), status from raw.probe_checks order by 1"
    ).fetchall() == [("05 09:00:00", "up"), ("05 11:00:00", "up"), ("05 15:00:00", "up")]
    _accounted(con, PROBES)


def test_contract_an_incident_line_with_a_key_twice_an_object_value_or_no_end_is_rejected(
    tmp_path, con
):
    """A JSON object naming a key twice says two things (DuckDB reads the first value,
    Python the last); an object where the contract has one value was read as its JSON
    text, a quoted number as the number; `ended_at` is null while open (the contract):
    a resolved incident without an end would count as down until T (R6)."""
    incidents = SOURCES_BY_NAME["incidents"]
    version = {**RESOLVED, "incident_id": "I1"}
    twice = json.dumps(version).replace(
        '"severity": "red"', '"severity": "red", "severity": "yellow"'
    )
    lines = [
        json.dumps(version),
        twice,
        json.dumps({**version, "incident_id": "I3", "ended_at": None}),
        json.dumps({**version, "incident_id": "I4", "ended_at": None, "status": "open"}),
        json.dumps({**version, "incident_id": {"id": "I5"}}),
        json.dumps({**version, "incident_id": "I6", "impact": "0.5"}),
    ]
    _land(tmp_path, "incidents/i.jsonl", "\n".join(lines) + "\n")
    summary = load_source(con, tmp_path, incidents)
    assert (summary.rows_loaded, summary.rows_rejected) == (2, 4)
    assert _rejects(con) == [
        ("incidents/i.jsonl", 2, "line: a key named twice"),
        ("incidents/i.jsonl", 3, "ended_at: missing, but resolved"),
        ("incidents/i.jsonl", 5, "incident_id: an object or a list, not one value"),
        ("incidents/i.jsonl", 6, "impact: a JSON string, not a number"),
    ]
    assert con.execute(
        "select incident_id, status, ended_at is null from raw.incidents order by 1"
    ).fetchall() == [("I1", "resolved", False), ("I4", "open", True)]
    _accounted(con, incidents)


def test_contract_an_incident_line_of_lenient_json_is_rejected_its_strings_are_not(tmp_path, con):
    """DuckDB's JSON reader takes a trailing comma, NaN and Infinity; RFC 8259 does not, and
    a sender's other tools would read such a line differently or not at all. The same
    characters inside a JSON string are text."""
    incidents = SOURCES_BY_NAME["incidents"]
    version = {**RESOLVED, "incident_id": "I1", "description": 'down, "NaN" ms,}'}
    good = json.dumps(version)
    lines = [
        good,
        good.replace('"I1"', '"I2"')[:-1] + ",}",
        good.replace('"I1"', '"I3"').replace('"ko_app"]', '"ko_app",]'),
        good.replace('"I1"', '"I4"')[:-1] + ', "impact": NaN}',
        good.replace('"I1"', '"I5"')[:-1] + ', "impact": -infinity}',
        good.replace('"I1"', '"I6"')[:-1] + ', "impact": 0.5 }',
    ]
    _land(tmp_path, "incidents/i.jsonl", "\n".join(lines) + "\n")
    summary = load_source(con, tmp_path, incidents)
    assert (summary.rows_loaded, summary.rows_rejected) == (2, 4)
    reason = "line: not strict JSON (a trailing comma, NaN or Infinity)"
    assert _rejects(con) == [("incidents/i.jsonl", line, reason) for line in (2, 3, 4, 5)]
    assert con.execute(
        "select incident_id, description, impact from raw.incidents order by 1"
    ).fetchall() == [("I1", 'down, "NaN" ms,}', None), ("I6", 'down, "NaN" ms,}', 0.5)]
    _accounted(con, incidents)


def test_contract_a_parquet_column_named_twice_rejects_the_file_as_in_text(tmp_path, con):
    """DuckDB reads a Parquet column named twice as 'status' and 'status_1': which one a
    row's status is, the file does not say."""
    table = pa.table(
        [["2024-01-05T10:00:00Z"], ["ko_app"], ["p1"], ["up"], [12], ["down"]],
        names=["checked_at", "service_id", "probe_id", "status", "response_ms", "status"],
    )
    pq.write_table(table, _land(tmp_path, "probe_checks/twice.parquet", b""))
    _land(tmp_path, "probe_checks/good.csv", HEADER + GOOD)
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.files_loaded, summary.rows_loaded) == (1, 1)
    assert summary.rejected_files == [
        ("probe_checks/twice.parquet", "column(s) named twice in the schema: status")
    ]


def test_contract_file_and_folder_names_with_glob_characters_are_read_as_themselves(tmp_path):
    """DuckDB's readers take a path as a glob: unescaped, 'x[1].csv' read x1.csv and
    '*.csv' every CSV file beside it; a warehouse in '[prod]/' lost its raw store."""
    names = {"x1.csv": "10", "x[1].csv": "11", "*.csv": "12", "?.csv": "13"}
    for name, minute in names.items():
        _land(
            tmp_path / "landing",
            f"probe_checks/{name}",
            HEADER + GOOD.replace(":00:", f":{minute}:"),
        )
    _parquet(
        tmp_path / "landing" / "probe_checks" / "y[2].parquet",
        "select timestamptz '2024-01-05 10:14:00+00' as checked_at, 'ko_app' as "
        "service_id, 'p1' as probe_id, 'up' as status, 12 as response_ms",
    )
    warehouse = tmp_path / "[prod]" / "w.duckdb"
    warehouse.parent.mkdir()
    with duckdb.connect(str(warehouse)) as con:
        summary = load_source(con, tmp_path / "landing", PROBES)
        assert (summary.files_loaded, summary.rows_loaded, summary.rejected_files) == (5, 5, [])
        assert con.execute(
            "select _file, minute(checked_at) from raw.probe_checks order by 2"
        ).fetchall() == [
            ("probe_checks/x1.csv", 10),
            ("probe_checks/x[1].csv", 11),
            ("probe_checks/*.csv", 12),
            ("probe_checks/?.csv", 13),
            ("probe_checks/y[2].parquet", 14),
        ]
        _accounted(con, PROBES)


def test_contract_a_fixed_or_removed_file_leaves_no_stale_verdict(tmp_path, con):
    bad = _land(tmp_path, "probe_checks/bad.csv", b"")
    gone = _land(tmp_path, "probe_checks/gone.txt", "x")
    _land(tmp_path, "probe_checks/good.csv", HEADER + GOOD)
    load_source(con, tmp_path, PROBES)
    assert con.execute("select file from audit.rejected_files order by 1").fetchall() == [
        ("probe_checks/bad.csv",),
        ("probe_checks/gone.txt",),
    ]
    bad.write_text(HEADER + GOOD.replace("10:00", "10:01"))
    gone.unlink()
    load_source(con, tmp_path, PROBES)
    assert con.execute("select count(*) from audit.rejected_files").fetchone() == (0,)


def test_contract_a_missing_landing_folder_changes_nothing(tmp_path, con):
    _land(tmp_path, "landing/probe_checks/a.csv", HEADER + GOOD)
    load_source(con, tmp_path / "landing", PROBES)
    with pytest.raises(LandingUnavailable) as missing:
        load_source(con, tmp_path / "not-mounted", PROBES)
    assert str(missing.value) == (
        f"the landing folder {tmp_path / 'not-mounted'} is missing or not a folder "
        "(an unmounted share?); nothing was loaded or removed"
    )
    assert con.execute("select count(*) from raw.probe_checks").fetchone() == (1,)


@pytest.mark.parametrize("damage", ["emptied", "deleted", "symlink loop", "unreadable"])
def test_contract_a_source_folder_gone_or_emptied_keeps_its_rows(tmp_path, con, damage):
    landing = tmp_path / "landing"
    path = _land(landing, "probe_checks/a.csv", HEADER + GOOD + "bad,ko_app,p1,up,1\n")
    load_source(con, landing, PROBES)
    folder = landing / "probe_checks"
    path.unlink()
    if damage != "emptied":
        folder.rmdir()
    if damage == "symlink loop":
        folder.symlink_to(folder)
    if damage == "unreadable":
        folder.write_text("a file where the folder was")
    with pytest.raises(LandingUnavailable) as problem:
        load_source(con, landing, PROBES)
    expected = {
        "emptied": f"probe_checks/ holds no loadable file while the warehouse holds 2 rows "
        f"from 1 file(s) of it (in {landing}); nothing was loaded or removed. To remove "
        "them on purpose: driftsstatus run --allow-empty probe_checks",
        "symlink loop": f"probe_checks/ in {landing}: Too many levels of symbolic links",
        "unreadable": f"probe_checks/ in {landing} is not a readable folder",
    }
    expected["deleted"] = expected["emptied"]
    assert str(problem.value) == expected[damage]
    assert con.execute("select count(*) from raw.probe_checks").fetchone() == (1,)
    assert con.execute("select count(*) from audit.rejected_rows").fetchone() == (1,)


def test_contract_emptying_a_source_on_purpose_removes_and_reports_its_rows(tmp_path, con):
    path = _land(tmp_path, "probe_checks/a.csv", HEADER + GOOD)
    load_source(con, tmp_path, PROBES)
    path.unlink()
    summary = load_source(con, tmp_path, PROBES, allow_empty=frozenset({"probe_checks"}))
    assert (summary.files_removed, summary.rows_removed) == (1, 1)
    assert con.execute("select count(*) from raw.probe_checks").fetchone() == (0,)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_contract_an_unreadable_subfolder_stops_the_load(tmp_path, con):
    _land(tmp_path, "probe_checks/a.csv", HEADER + GOOD)
    locked = tmp_path / "probe_checks" / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        with pytest.raises(LandingUnavailable):
            load_source(con, tmp_path, PROBES)
    finally:
        locked.chmod(0o755)


def test_contract_a_row_after_the_day_in_progress_is_read_again_once_the_day_moves_on(
    today, tmp_path, con
):
    """Unplaceable today is not unplaceable forever: the file is re-read, not skipped, once
    the day in progress has moved on since the load (here: the load is made a day older)."""
    ahead = f"{today.year + 1}-06-01T10:00:00Z"
    _land(tmp_path, "probe_checks/ahead.csv", HEADER + GOOD + f"{ahead},ko_app,p1,up,1\n")
    load_source(con, tmp_path, PROBES)
    assert con.execute("select rows_beyond from audit.loaded_files").fetchall() == [(1,)]
    assert load_source(con, tmp_path, PROBES).files_skipped == 1  # the same day: nothing new
    con.execute("update audit.loaded_files set horizon = horizon - interval 1 day")
    again = load_source(con, tmp_path, PROBES)
    assert (again.files_loaded, again.rows_loaded, again.rows_rejected) == (1, 1, 1)
    _accounted(con, PROBES)
