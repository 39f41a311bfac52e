"""Property: whatever damage a landing file carries, every row is accounted for.

Hypothesis writes probe-check files mixing good rows with randomly damaged
ones; the loader must not crash, must load exactly the good rows and reject
exactly the damaged ones, each with its line and a reason naming the column.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.landing.loader import load_source, unaccounted_files
from dagster_project.landing.sources import SOURCES_BY_NAME

PROBES = SOURCES_BY_NAME["probe_checks"]
COLUMNS = ["checked_at", "service_id", "probe_id", "status", "response_ms"]

# Each damage breaks one column (or the row's shape: "row") in a way the contract forbids.
DAMAGES = {
    "no_offset": ("checked_at", lambda row: {**row, "checked_at": row["checked_at"][:-1]}),
    "not_a_time": ("checked_at", lambda row: {**row, "checked_at": "yesterday"}),
    "offset_25h": (
        "checked_at",
        lambda row: {**row, "checked_at": row["checked_at"][:-1] + "+25:00"},
    ),
    "year_9999": ("checked_at", lambda row: {**row, "checked_at": "9999-12-31T23:59:59Z"}),
    "year_10000": ("checked_at", lambda row: {**row, "checked_at": "10000-01-01T00:00:00Z"}),
    "year_minus_1": ("checked_at", lambda row: {**row, "checked_at": "-0001-01-01T00:00:00Z"}),
    "before_2020": ("checked_at", lambda row: {**row, "checked_at": "2019-06-01T00:00:00Z"}),
    "year_2100": ("checked_at", lambda row: {**row, "checked_at": "2100-01-01T00:00:00Z"}),
    "unknown_service": ("service_id", lambda row: {**row, "service_id": "nope_app"}),
    "no_service": ("service_id", lambda row: {**row, "service_id": ""}),
    "nul_byte": ("probe_id", lambda row: {**row, "probe_id": row["probe_id"] + "\x00"}),
    "line_break_id": ("probe_id", lambda row: {**row, "probe_id": row["probe_id"] + "\n"}),
    "zero_width_id": ("probe_id", lambda row: {**row, "probe_id": row["probe_id"] + "\u200b"}),
    "bad_status": ("status", lambda row: {**row, "status": "sideways"}),
    "negative_ms": ("response_ms", lambda row: {**row, "response_ms": "-1"}),
    "text_ms": ("response_ms", lambda row: {**row, "response_ms": "fast, very"}),
    "decimal_ms": ("response_ms", lambda row: {**row, "response_ms": "1.5"}),
    "hex_ms": ("response_ms", lambda row: {**row, "response_ms": "0x10"}),
    "huge_ms": ("response_ms", lambda row: {**row, "response_ms": "3000000000"}),
    "extra_field": ("row", lambda row: {**row, "surplus": "x"}),
    "short_row": ("row", lambda row: {k: v for k, v in row.items() if k != "response_ms"}),
}

good_rows = st.fixed_dictionaries(
    {
        "checked_at": st.integers(0, 10_000).map(
            lambda m: f"2024-01-{1 + m // 1440:02d}T{m % 1440 // 60:02d}:{m % 60:02d}:07Z"
        ),
        "service_id": st.sampled_from(["ko_app", "sp_m1", "bf_infra"]),
        # Commas and quotes inside a quoted field are one field (a line break too: an id
        # holding one is rejected, `line_break_id`).
        "probe_id": st.text('abcxyz-," æ', min_size=1, max_size=8).filter(str.strip),
        "status": st.sampled_from(["up", "degraded", "down"]),
        "response_ms": st.one_of(st.just(""), st.integers(0, 10_000).map(str)),
    }
)
rows = st.lists(
    # (row, damage, an empty line before it)
    st.tuples(good_rows, st.one_of(st.none(), st.sampled_from(sorted(DAMAGES))), st.booleans()),
    min_size=1,
    max_size=40,
)


def _csv_line(row: dict[str, str], newline: str) -> str:
    """The row's fields in header order (a field it lacks is left out, a surplus one added)."""
    text = io.StringIO()
    fields = [row[c] for c in COLUMNS if c in row] + [row[c] for c in row if c not in COLUMNS]
    csv.writer(text, lineterminator=newline).writerow(fields)
    return text.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows, crlf=st.booleans())
def test_every_row_is_loaded_or_rejected_with_line_and_column(rows, crlf):
    """No damage crashes the load or loses a row; each reject names its line and column,
    lines counted as an editor shows them (quoted line breaks, empty lines)."""
    newline = "\r\n" if crlf else "\n"
    text = io.StringIO()
    text.write(_csv_line({c: c for c in COLUMNS}, newline))
    expected_good, expected_bad = [], {}
    for row, damage, empty_before in rows:
        if empty_before:
            text.write(newline)
        line = text.getvalue().count("\n") + 1
        if damage is None:
            text.write(_csv_line(row, newline))
            expected_good.append((line, row["probe_id"].strip(" ")))  # fields are trimmed
        else:
            column, spoil = DAMAGES[damage]
            text.write(_csv_line(spoil(row), newline))
            expected_bad[line] = column
    with tempfile.TemporaryDirectory() as folder:
        landing = Path(folder)
        (landing / "probe_checks").mkdir()
        (landing / "probe_checks" / "damaged.csv").write_bytes(text.getvalue().encode("utf-8"))
        with duckdb.connect(str(landing / "w.duckdb")) as con:
            summary = load_source(con, landing, PROBES)
            assert summary.files_rejected == 0
            assert (summary.rows_loaded, summary.rows_rejected) == (
                len(expected_good),
                len(expected_bad),
            )
            assert unaccounted_files(con, PROBES) == []
            loaded = con.execute(
                "select _line, probe_id from raw.probe_checks order by _line"
            ).fetchall()
            assert loaded == expected_good
            rejects = con.execute(
                "select file, line_number, reason from audit.rejected_rows order by line_number"
            ).fetchall()
    assert [line for _, line, _ in rejects] == sorted(expected_bad)
    for file, line, reason in rejects:
        assert file == "probe_checks/damaged.csv"
        assert reason.startswith(expected_bad[line] + ": "), reason


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows)
def test_every_good_rows_effect_reaches_the_marts(rows):
    """R4 end to end: each minute a good row reports degraded or down is 60 s of downtime."""
    from tests.helpers import driftsstatus, pipeline_env, query

    text = io.StringIO()
    text.write(_csv_line({c: c for c in COLUMNS}, "\n"))
    bad_minutes = set()
    for row, damage, _ in rows:
        # One probe per service, so its worst check decides the minute (R4).
        good = {**row, "probe_id": "p1"}
        text.write(_csv_line(good if damage is None else DAMAGES[damage][1](good), "\n"))
        if damage is None and good["status"] != "up":
            bad_minutes.add((good["service_id"], good["checked_at"][:16]))
    with tempfile.TemporaryDirectory() as folder:
        landing = Path(folder) / "landing"
        (landing / "probe_checks").mkdir(parents=True)
        (landing / "probe_checks" / "damaged.csv").write_text(text.getvalue(), encoding="utf-8")
        warehouse = Path(folder) / "warehouse.duckdb"
        env = pipeline_env(landing, warehouse, as_of="2024-02-01T00:00:00+01:00")
        driftsstatus("run", env=env)
        downtime = dict(
            query(
                warehouse,
                "select service_id, downtime_seconds from marts.fct_monthly_availability "
                "where month = date '2024-01-01'",
            )
        )
    for service in ("ko_app", "sp_m1", "bf_infra"):
        expected = 60 * sum(1 for s, _ in bad_minutes if s == service)
        assert downtime.get(service, 0) == expected, service
