"""Loading landing files into raw tables: hashes, replacement, rejects (data contract)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_project.landing.loader import load_source
from dagster_project.landing.sources import SOURCES_BY_NAME

PROBES = SOURCES_BY_NAME["probe_checks"]
HEADER = "checked_at,service_id,probe_id,status,response_ms\n"


@pytest.fixture
def con(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


def _write(landing: Path, name: str, text: str) -> Path:
    path = landing / "probe_checks" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_r1_offsetless_timestamp_is_rejected_with_file_line_and_reason(tmp_path, con):
    _write(
        tmp_path,
        "a.csv",
        HEADER
        + "2024-01-05T10:00:00Z,ko_app,p1,up,12\n"
        + "2024-01-05 10:00:00,ko_app,p1,up,12\n"
        + "2024-01-05T10:01:00+01:00,ko_app,p1,down,\n",
    )
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.rows_loaded, summary.rows_rejected) == (2, 1)
    assert _rows(
        con, "select source, file, line_number, reason, raw_line from audit.rejected_rows"
    ) == [
        (
            "probe_checks",
            "probe_checks/a.csv",
            3,
            "checked_at: no UTC offset in '2024-01-05 10:00:00'",
            "2024-01-05 10:00:00,ko_app,p1,up,12",
        )
    ]
    assert _rows(
        con, "select strftime(checked_at, '%H:%M'), status from raw.probe_checks order by 1"
    ) == [
        ("09:01", "down"),
        ("10:00", "up"),
    ]


def test_bad_values_name_column_and_rule(tmp_path, con):
    _write(
        tmp_path,
        "b.csv",
        HEADER
        + "2024-01-05T10:00:00Z,nope,p1,up,5\n"
        + "2024-01-05T10:00:00Z,ko_app,p1,sideways,-3\n"
        + "2024-13-05T10:00:00Z,ko_app,p1,up,x\n",
    )
    load_source(con, tmp_path, PROBES)
    assert [
        r[0] for r in _rows(con, "select reason from audit.rejected_rows order by line_number")
    ] == [
        "service_id: unknown service 'nope'",
        "status: 'sideways' not one of up, degraded, down; response_ms: below 0 in '-3'",
        "checked_at: not a timestamp '2024-13-05T10:00:00Z'; response_ms: not an integer 'x'",
    ]


def test_unchanged_file_is_skipped_and_changed_file_replaces_its_rows(tmp_path, con):
    path = _write(tmp_path, "c.csv", HEADER + "2024-01-05T10:00:00Z,ko_app,p1,up,5\n")
    _write(tmp_path, "d.csv", HEADER + "2024-01-05T11:00:00Z,ko_app,p1,up,5\n")
    first = load_source(con, tmp_path, PROBES)
    again = load_source(con, tmp_path, PROBES)
    assert (first.files_loaded, again.files_loaded, again.files_skipped) == (2, 0, 2)
    path.write_text(
        HEADER + "2024-01-05T10:00:00Z,ko_app,p1,down,\n2024-01-05T10:01:00Z,ko_app,p1,up,5\n"
    )
    changed = load_source(con, tmp_path, PROBES)
    assert (changed.files_loaded, changed.files_skipped) == (1, 1)
    assert _rows(
        con, "select _file, status, count(*) from raw.probe_checks group by all order by all"
    ) == [
        ("probe_checks/c.csv", "down", 1),
        ("probe_checks/c.csv", "up", 1),
        ("probe_checks/d.csv", "up", 1),
    ]


def test_removed_file_takes_its_rows_with_it_and_is_reported(tmp_path, con):
    path = _write(
        tmp_path, "e.csv", HEADER + "2024-01-05T10:00:00Z,ko_app,p1,up,5\nbad,ko_app,p1,up,5\n"
    )
    _write(tmp_path, "kept.csv", HEADER + "2024-01-05T11:00:00Z,ko_app,p1,up,5\n")
    load_source(con, tmp_path, PROBES)
    path.unlink()
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.files_removed, summary.rows_removed) == (1, 2)
    assert summary.removed_files == [("probe_checks/e.csv", 2)]
    assert _rows(con, "select _file, count(*) from raw.probe_checks group by all") == [
        ("probe_checks/kept.csv", 1)
    ]
    assert _rows(con, "select count(*) from audit.rejected_rows") == [(0,)]
    assert _rows(con, "select file from audit.loaded_files") == [("probe_checks/kept.csv",)]
    assert _rows(con, "select source, file, rows_removed from audit.removed_files") == [
        ("probe_checks", "probe_checks/e.csv", 2)
    ]


def test_file_missing_a_required_column_is_rejected_whole_and_changes_nothing(tmp_path, con):
    _write(tmp_path, "good.csv", HEADER + "2024-01-05T10:00:00Z,ko_app,p1,up,5\n")
    load_source(con, tmp_path, PROBES)
    _write(tmp_path, "bad.csv", "checked_at,service_id,status\n2024-01-05T10:00:00Z,ko_app,up\n")
    summary = load_source(con, tmp_path, PROBES)
    assert summary.rejected_files == [
        ("probe_checks/bad.csv", "missing required column(s): probe_id")
    ]
    assert _rows(con, "select _file, count(*) from raw.probe_checks group by all") == [
        ("probe_checks/good.csv", 1)
    ]


def _write_bytes(landing: Path, name: str, data: bytes) -> None:
    path = landing / "probe_checks" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_unreadable_files_are_rejected_whole_with_a_clear_reason(tmp_path, con):
    import gzip

    good = (HEADER + "2024-01-05T10:00:00Z,ko_app,p1,up,5\n").encode()
    _write_bytes(tmp_path, "good.csv", good)
    _write_bytes(tmp_path, "empty.csv", b"")
    _write_bytes(tmp_path, "image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    _write_bytes(tmp_path, "cut.csv.gz", gzip.compress(good * 50)[:40])
    _write_bytes(
        tmp_path,
        "latin1.csv",
        HEADER.encode() + "2024-01-05T10:00:00Z,ko_app,pæ,up,5\n".encode("latin-1"),
    )
    _write_bytes(tmp_path, "utf16.csv", good.decode().encode("utf-16"))
    # Old Mac line ends: csv's reader raised on the header, and the whole load stopped.
    _write_bytes(tmp_path, "mac.csv", good.replace(b"\n", b"\r"))
    summary = load_source(con, tmp_path, PROBES)
    reasons = dict(summary.rejected_files)
    assert reasons["probe_checks/utf16.csv"] == (
        "UTF-16 encoded (it starts with its byte order mark); the contract reads UTF-8"
    )
    assert reasons["probe_checks/mac.csv"] == (
        "line 1: lines end in a carriage return alone; the contract reads LF or CRLF"
    )
    assert reasons["probe_checks/empty.csv"] == "empty file"
    assert reasons["probe_checks/image.csv"].startswith("not a CSV file (")
    assert reasons["probe_checks/cut.csv.gz"].startswith("truncated or corrupt gzip file (")
    assert reasons["probe_checks/latin1.csv"].startswith("not UTF-8 encoded (")
    assert _rows(con, "select _file, count(*) from raw.probe_checks group by all") == [
        ("probe_checks/good.csv", 1)
    ]
    assert _rows(con, "select count(*) from audit.rejected_files") == [(6,)]
    again = load_source(con, tmp_path, PROBES)  # still rejected, recorded once
    assert dict(again.rejected_files) == reasons
    assert _rows(con, "select count(*) from audit.rejected_files") == [(6,)]


def test_bom_crlf_and_quoted_fields_are_accepted(tmp_path, con):
    text = (
        "\ufeff" + HEADER.replace("\n", "\r\n")
        + '"2024-01-05T10:00:00Z","ko_app","probe, north",up,5\r\n'
        + "2024-01-05T10:01:00Z,ko_app,p1,down,\r\n"
    )  # fmt: skip
    _write(tmp_path, "windows-export.csv", text)
    summary = load_source(con, tmp_path, PROBES)
    assert (summary.rows_loaded, summary.rows_rejected, summary.files_rejected) == (2, 0, 0)
    assert _rows(con, "select _line, probe_id, status from raw.probe_checks order by _line") == [
        (2, "probe, north", "up"),
        (3, "p1", "down"),
    ]


def test_a_broken_json_line_is_one_rejected_row_not_a_rejected_file(tmp_path, con):
    folder = tmp_path / "incidents"
    folder.mkdir()
    good = (
        '{"incident_id": "I1", "recorded_at": "2024-01-05T10:00:00Z", "service_ids": ["ko_app"], '
        '"severity": "red", "started_at": "2024-01-05T09:00:00Z", "ended_at": null, '
        '"status": "open"}'
    )
    (folder / "incidents.jsonl").write_text(good + '\n{"incident_id": "I2", broken\n')
    summary = load_source(con, tmp_path, SOURCES_BY_NAME["incidents"])
    assert (summary.rows_loaded, summary.rows_rejected) == (1, 1)
    assert _rows(con, "select line_number, reason from audit.rejected_rows") == [
        (2, "line: not a JSON object")
    ]


def test_every_row_is_accounted_for_and_a_lost_row_is_caught(tmp_path, con):
    from dagster_project.landing.loader import unaccounted_files
    from dagster_project.landing.store import store_dir

    _write(tmp_path, "f.csv", HEADER + "2024-01-05T10:00:00Z,ko_app,p1,up,5\nbad,ko_app,p1,up,5\n")
    load_source(con, tmp_path, PROBES)
    assert _rows(con, "select data_rows, rows_loaded, rows_rejected from audit.loaded_files") == [
        (2, 1, 1)
    ]
    assert unaccounted_files(con, PROBES) == []
    (copy,) = (store_dir(con) / "probe_checks").iterdir()  # the file's typed records
    con.execute(f"copy (select * from '{copy}' where _line != 2) to '{copy}.new' (format parquet)")
    copy.with_name(copy.name + ".new").replace(copy)  # its good row lost from the copy
    assert unaccounted_files(con, PROBES) == [("probe_checks/f.csv", 2, 0, 1)]


def test_a_warehouse_file_moved_without_its_raw_store_says_so(tmp_path, con):
    """The probe checks live in the raw store beside the warehouse file: a file copied
    alone cannot load, and the error names the folder it lacks."""
    import shutil

    from dagster_project.landing.store import RawStoreIncomplete

    _write(tmp_path, "f.csv", HEADER + "2024-01-05T10:00:00Z,ko_app,p1,up,5\n")
    load_source(con, tmp_path, PROBES)
    con.execute("checkpoint")
    moved = tmp_path / "moved" / "w.duckdb"
    moved.parent.mkdir()
    shutil.copyfile(tmp_path / "w.duckdb", moved)
    with duckdb.connect(str(moved)) as alone, pytest.raises(RawStoreIncomplete) as raised:
        load_source(alone, tmp_path, PROBES)
    (copy,) = (tmp_path / "w.raw" / "probe_checks").iterdir()
    assert str(raised.value) == (
        f"the raw store {moved.parent / 'w.raw'} lacks 1 of the copies the warehouse reads "
        f"(probe_checks/{copy.name}): was the warehouse file copied or moved without its "
        "w.raw/ folder?"
    )


def test_a_kept_parquet_file_is_read_from_the_store_and_a_lost_row_is_caught(tmp_path, con):
    """A Parquet file is kept as a copy beside the warehouse, not rewritten: raw reads the
    copy (the landing file may go), leaves out its rejected lines, and the accounting
    notices when the copy no longer holds what was loaded."""
    from dagster_project.landing.loader import unaccounted_files
    from dagster_project.landing.store import store_dir

    landing = tmp_path / "landing"
    path = landing / "probe_checks" / "f.parquet"
    path.parent.mkdir(parents=True)
    con.execute(
        "copy (select * from (values (timestamptz '2024-01-05 10:00:00+00', 'ko_app', 'p1', "
        "'up', 5), (timestamptz '2024-01-05 10:01:00+00', 'nope', 'p1', 'up', 5), "
        "(timestamptz '2024-01-05 10:02:00+00', 'ko_app', 'p1', 'down', null)) "
        "as t (checked_at, service_id, probe_id, status, response_ms)) "
        f"to '{path}' (format parquet)"
    )
    summary = load_source(con, landing, PROBES)
    assert (summary.rows_loaded, summary.rows_rejected) == (2, 1)
    path.unlink()  # the landing file goes: raw keeps its rows
    assert _rows(con, "select _file, _line, status from raw.probe_checks order by _line") == [
        ("probe_checks/f.parquet", 1, "up"),
        ("probe_checks/f.parquet", 3, "down"),
    ]
    assert _rows(con, "select line_number, reason from audit.rejected_rows") == [
        (2, "service_id: unknown service 'nope'")
    ]
    assert _rows(con, "select count(*) from raw.probe_checks_rows") == [(0,)]
    (copy,) = (store_dir(con) / "probe_checks").iterdir()
    assert copy.parent.parent == tmp_path / "w.raw"
    assert unaccounted_files(con, PROBES) == []
    con.execute(f"copy (select * from '{copy}' limit 1) to '{copy}.new' (format parquet)")
    copy.with_name(copy.name + ".new").replace(copy)  # a row lost from the copy
    assert unaccounted_files(con, PROBES) == [("probe_checks/f.parquet", 3, 1, 1)]
    # A load checks the files it changed (`summary.changed_files`), by name.
    assert summary.changed_files == ["probe_checks/f.parquet"]
    assert unaccounted_files(con, PROBES, summary.changed_files) == [
        ("probe_checks/f.parquet", 3, 1, 1)
    ]
    assert unaccounted_files(con, PROBES, ["probe_checks/other.parquet"]) == []


def test_parquet_text_is_read_trimmed_and_trimmed_again_only_where_a_value_needs_it(tmp_path, con):
    """The raw view trims a kept Parquet file's text, and reads as they are the text
    columns whose every value is trimmed already: a padded probe id is read trimmed,
    the file's other text columns are not trimmed again."""
    landing = tmp_path / "landing"
    for name, probe in (("clean.parquet", "p1"), ("padded.parquet", " p2 ")):
        path = landing / "probe_checks" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            "copy (select timestamptz '2024-01-05 10:00:00+00' as checked_at, "
            f"'ko_app' as service_id, '{probe}' as probe_id, 'down' as status, "
            f"5 as response_ms) to '{path}' (format parquet)"
        )
    summary = load_source(con, landing, PROBES)
    assert (summary.rows_loaded, summary.rows_rejected) == (2, 0)
    assert _rows(con, "select _file, probe_id, status from raw.probe_checks order by _file") == [
        ("probe_checks/clean.parquet", "p1", "down"),
        ("probe_checks/padded.parquet", "p2", "down"),
    ]
    assert _rows(
        con,
        "select p.file, t.native from audit.parquet_types as t "
        "join audit.parquet_parts as p using (source, sha256) order by p.file",
    ) == [
        (
            "probe_checks/clean.parquet",
            ["checked_at", "probe_id", "response_ms", "service_id", "status"],
        ),
        ("probe_checks/padded.parquet", ["checked_at", "response_ms", "service_id", "status"]),
    ]


def test_a_replaced_parquet_files_copy_stays_while_the_serving_copy_reads_it(tmp_path, con):
    """A changed file gets a new copy; the old one goes once neither the warehouse nor
    its serving copy (what the app and `report --recompute` read) refers to it."""
    from dagster_project.landing.store import store_dir
    from dagster_project.settings import serving_copy_of

    path = tmp_path / "landing" / "probe_checks" / "f.parquet"
    path.parent.mkdir(parents=True)

    def land(status: str) -> None:
        con.execute(
            f"copy (select timestamptz '2024-01-05 10:00:00+00' as checked_at, 'ko_app' as "
            f"service_id, 'p1' as probe_id, '{status}' as status) to '{path}' (format parquet)"
        )
        load_source(con, tmp_path / "landing", PROBES)

    land("up")
    (first,) = (store_dir(con) / "probe_checks").iterdir()
    con.execute("checkpoint")
    serving = serving_copy_of(tmp_path / "w.duckdb")
    serving.write_bytes((tmp_path / "w.duckdb").read_bytes())
    land("down")
    assert _rows(con, "select status from raw.probe_checks") == [("down",)]
    assert len(list(first.parent.iterdir())) == 2 and first.exists()
    with duckdb.connect(str(serving), read_only=True) as served:
        assert served.execute("select status from raw.probe_checks").fetchall() == [("up",)]
    serving.unlink()
    load_source(con, tmp_path / "landing", PROBES)
    assert not first.exists() and len(list(first.parent.iterdir())) == 1


def test_a_files_rows_read_from_its_own_parts_are_its_rows_in_the_raw_view(tmp_path, con):
    """The loader and GX read one file's rows from its own parts (store.file_rows) rather
    than through the raw view, which plans every part of every file: the same rows, the
    rejected line left out, for kept Parquet copies and text files alike; and the view,
    renewed once at the end of the load, holds every file."""
    from dagster_project.landing.store import file_rows

    landing = tmp_path / "landing"
    (landing / "probe_checks").mkdir(parents=True)
    for day, bad in ((5, "ko_app"), (6, "nope")):
        con.execute(
            "copy (select * from (values "
            f"(timestamptz '2024-01-0{day} 10:00:00+00', 'ko_app', 'p1', 'up', 5), "
            f"(timestamptz '2024-01-0{day} 10:01:00+00', '{bad}', 'p1', 'down', 7)) "
            "as t (checked_at, service_id, probe_id, status, response_ms)) "
            f"to '{landing}/probe_checks/d{day}.parquet' (format parquet)"
        )
    _write(landing, "d7.csv", HEADER + "2024-01-07T10:00:00Z,ko_app,p2,degraded,9\n")
    summary = load_source(con, landing, PROBES)
    assert (summary.files_loaded, summary.rows_loaded, summary.rows_rejected) == (3, 4, 1)
    assert _rows(con, "select _file, count(*) from raw.probe_checks group by 1 order by 1") == [
        ("probe_checks/d5.parquet", 2),
        ("probe_checks/d6.parquet", 1),
        ("probe_checks/d7.csv", 1),
    ]
    for name in ("probe_checks/d5.parquet", "probe_checks/d6.parquet", "probe_checks/d7.csv"):
        assert _rows(con, f"select * from {file_rows(con, PROBES, name)} order by _line") == (
            _rows(con, f"select * from raw.probe_checks where _file = '{name}' order by _line")
        )
    assert _rows(
        con, f"select _line, status from {file_rows(con, PROBES, 'probe_checks/d6.parquet')}"
    ) == [(1, "up")]
