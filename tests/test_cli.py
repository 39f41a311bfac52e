"""The command line as a user meets it: help, errors, unfinished commands."""

from __future__ import annotations

from tests.helpers import driftsstatus


def test_publish_says_it_is_not_built_yet():
    result = driftsstatus("publish", "--month", "2024-01", check=False)
    assert result.returncode == 2
    assert "not built yet" in result.stderr


def test_report_without_a_run_says_what_to_do(tmp_path):
    env = {"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "w.duckdb")}
    result = driftsstatus("report", "--month", "2024-01", env=env, check=False)
    assert result.returncode == 2
    assert result.stderr == (
        f"No published data at {tmp_path / 'w.serving.duckdb'}: run `driftsstatus run` first.\n"
    )


def test_as_of_without_offset_is_refused(tmp_path):
    result = driftsstatus("run", "--as-of", "2024-01-05 10:00", check=False)
    assert result.returncode != 0
    assert "as-of instant needs a UTC offset or Z: '2024-01-05 10:00'" in result.stderr
