"""What every page needs: the serving copy, a cache key that follows its swaps, Danish tables.

Pages read only the serving copy, which the pipeline replaces atomically after a good run, and
only through short-lived read-only connections, so the app never blocks a pipeline run and
keeps showing the last good data while a run is in progress or has failed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dagster_project.lock_record import current_writer
from dagster_project.report import Report, build_report, danish, render, report_months
from dagster_project.report.details import (
    Explanation,
    availability_history,
    explain_cell,
    incidents,
    quality,
    worst_response_hours,
)
from dagster_project.report.run_status import RunStatus, run_status
from dagster_project.settings import Settings, failed_run_record_of

NO_DATA = "Ingen data endnu: kør `driftsstatus run`."


def settings() -> Settings:
    """The settings the app's entry point read for this session (streamlit_app.py)."""
    return st.session_state["settings"]


def serving_copy() -> tuple[Path, int]:
    """The serving copy and its version (mtime), or stop the page with what to do."""
    path = settings().serving_copy
    if not path.exists():
        st.info(NO_DATA)
        st.stop()
    # A swap replaces the file, so its mtime changes and every cached query is re-run.
    return path, path.stat().st_mtime_ns


@st.cache_data(ttl=600, show_spinner=False)
def months(path: Path, version: int) -> tuple[date, ...]:
    return report_months(path)


@st.cache_data(ttl=600, show_spinner=False)
def report(path: Path, month: date, version: int) -> Report:
    return build_report(path, month)


@st.cache_data(ttl=600, show_spinner=False)
def export(path: Path, month: date, fmt: str, version: int) -> str | bytes:
    return render(report(path, month, version), fmt)


@st.cache_data(ttl=600, show_spinner=False)
def explanation(path: Path, service_id: str, month: date, version: int) -> Explanation | None:
    return explain_cell(path, service_id, month)


@st.cache_data(ttl=600, show_spinner=False)
def worst_hours(path: Path, service_id: str, month: date, version: int) -> pd.DataFrame:
    return worst_response_hours(path, service_id, month)


@st.cache_data(ttl=600, show_spinner=False)
def history(path: Path, months: int, version: int) -> pd.DataFrame:
    return availability_history(path, months)


@st.cache_data(ttl=600, show_spinner=False)
def incident_register(path: Path, version: int) -> pd.DataFrame:
    return incidents(path)


@st.cache_data(ttl=600, show_spinner=False)
def quality_tables(path: Path, version: int) -> dict[str, pd.DataFrame]:
    return quality(path)


@st.cache_data(ttl=600, show_spinner=False)
def _status(path: Path, record: Path, versions: tuple[int, int]) -> RunStatus:
    return run_status(path, record)


def show_run_status() -> None:
    """Above every page: when its figures were computed, from data until when, a run
    that failed since (the page then shows the figures of the last good run), and a run
    writing the warehouse now (read on every page view: it is not cached)."""
    path, record = settings().serving_copy, failed_run_record_of(settings().warehouse)
    if not path.exists():
        return
    versions = (path.stat().st_mtime_ns, record.stat().st_mtime_ns if record.exists() else 0)
    status = _status(path, record, versions)
    if writer := current_writer(settings().warehouse):
        st.info(
            f"En kørsel er i gang siden {danish.moment(writer.since)}. Siden viser tallene "
            "fra den seneste færdige kørsel, til den nye er færdig.",
            icon=":material/sync:",
        )
    if status.failed_since:
        shown = (
            f"fra kørslen {danish.moment(status.made_at)}"
            if status.made_at
            else "fra en tidligere kørsel"
        )
        st.warning(
            f"Seneste kørsel fejlede {danish.moment(status.failed_at)}: {status.failure}. "
            f"Siden viser tallene {shown}.",
            icon=":material/error:",
        )
    if status.made_at:
        until = f"; data til og med {danish.moment(status.data_until)}" if status.data_until else ""
        st.caption(f"Tallene er beregnet {danish.moment(status.made_at)}{until}.")
