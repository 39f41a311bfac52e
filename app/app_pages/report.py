"""The monthly report page (R15) as the seed lays it out, with exports and "why this number".

The tables are the same HTML the export writes (one renderer); every figure links to its
explanation: the incidents, probe outages and service windows that add up to its downtime.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from app import shared
from dagster_project.report import danish
from dagster_project.report.model import Area, Report
from dagster_project.report.render import MEDIA_TYPES, file_name
from dagster_project.report.render_html import (
    EXPLAIN_PARAM,
    MONTH_PARAM,
    STYLE,
    area_html,
    cell_key,
    title_html,
)

EXPORTS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "html": "HTML", "pdf": "PDF (A4)"}
KINDS = {"incident": "Hændelse", "probe": "Probe-udfald", "planned_window": "Servicevindue"}
SEVERITIES = {"red": "RØD", "yellow": "GUL"}


def choose_month(available: tuple[date, ...]) -> date:
    """The report month, bound to ?maaned=YYYY-MM so a view can be shared as a link."""
    options = [f"{m:%Y-%m}" for m in reversed(available)]
    chosen = st.selectbox(
        "Rapportmåned",
        options=options,
        format_func=lambda m: danish.month_name(_month(m), capitalised=True),
        key=MONTH_PARAM,
        index=_from_link(MONTH_PARAM, options, default=0),
        width=320,
    )
    st.query_params[MONTH_PARAM] = chosen
    return _month(chosen)


def _from_link(param: str, options: list[str], default: int | None) -> int | None:
    """The option a shared link (?param=value) asks for, so a link opens the same view."""
    wanted = st.query_params.get(param)
    return options.index(wanted) if wanted in options else default


def show_downloads(path: Path, report: Report, version: int) -> None:
    row = st.container(horizontal=True)
    for fmt, label in EXPORTS.items():
        row.download_button(
            label,
            # Rendered on click, so a page load does not pay for four exports.
            data=partial(shared.export, path, report.month, fmt, version),
            file_name=file_name(report, fmt),
            mime=MEDIA_TYPES[fmt],
            icon=":material/download:",
            key=f"download_{fmt}",
            on_click="ignore",
        )


def show_restatements(area: Area) -> None:
    """R14: for each restated cell, the value published before, when, and what changed it."""
    with st.expander("Opdaterede tal"):
        for row in area.rows:
            for cell in row.cells:
                if cell.previous is None:
                    continue
                was = cell.previous
                why = ", ".join(was.changed_by) or "ingen ny hændelsesversion"
                st.text(
                    f"{row.label}, {danish.month_label(cell.month)}: {was.display} → "
                    f"{cell.display} (offentliggjort {was.published_at:%d.%m.%Y} i "
                    f"{was.report_id}; ændret af {why})"
                )


def show_worst_hours(path: Path, report: Report, area: Area, version: int) -> None:
    """Drill-down under an area's response times: a service's worst hours in the month."""
    rows = {row.service_id: row.label for row in area.response.rows}
    with st.expander(f"Værste timer for svartider, {danish.month_name(report.month)}"):
        chosen = st.selectbox(
            "Tjeneste", options=list(rows), format_func=rows.get, key=f"svartid_{area.area}"
        )
        hours = shared.worst_hours(path, chosen, report.month, version)
        if hours.empty:
            st.markdown("Ingen tjek i måneden.")
            return
        st.dataframe(_hours_table(hours), hide_index=True, width="stretch")
        st.caption(
            "Timerne med flest målte tjek over grænsen på "
            f"{danish.integer(hours['threshold_ms'].iloc[0])} ms (derefter det langsomste svar). "
            "Tider er dansk tid."
        )


def _hours_table(hours: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Time": hours["hour_local"].map(lambda start: f"{start:%d.%m.%Y kl. %H}"),
            "Besvarede": hours["answered_checks"],
            "Nede": hours["down_checks"],
            "Målte": hours["measured_checks"],
            "Over grænsen": hours["over_threshold_checks"],
            "Inden for grænsen": hours["within_threshold_display"],
            "Langsomste (ms)": hours["slowest_ms"],
        }
    )


def show_explanation(path: Path, report: Report, version: int) -> None:
    """Why this number: the intervals behind one cell, summing to its downtime."""
    st.subheader("Hvorfor dette tal?", anchor="hvorfor")
    labels = {
        cell_key(row.service_id, cell.month): f"{row.label}, {danish.month_label(cell.month)}: "
        f"{cell.display}"
        for area in report.areas
        for row in area.rows
        for cell in row.cells
        if cell.colour is not None
    }
    chosen = st.selectbox(
        "Celle",
        options=list(labels),
        index=_from_link(EXPLAIN_PARAM, list(labels), default=None),
        format_func=labels.get,
        placeholder="Vælg en celle, eller klik på et tal i tabellen",
        key=EXPLAIN_PARAM,
    )
    if chosen is None:
        st.query_params.pop(EXPLAIN_PARAM, None)
        return
    st.query_params[EXPLAIN_PARAM] = chosen
    service_id, month = chosen.split(":")
    found = shared.explanation(path, service_id, _month(month), version)
    if found is None:
        st.warning(f"Ingen tal for {labels[chosen]}.")
        return
    figures = st.columns(6)
    figures[0].metric("Tilgængelighed", found.display)
    figures[1].metric("Aftalt servicetid", _duration(found.service_seconds))
    # Outside the service hours (R2) or in planned windows (R3): not counted at all.
    figures[2].metric("Uden for aftalt tid", _duration(found.excluded_seconds))
    figures[3].metric("Nedetid", _duration(found.downtime_seconds))
    figures[4].metric("Tid rød", _duration(found.red_seconds))
    figures[5].metric("Tid gul", _duration(found.yellow_seconds))
    if found.intervals.empty:
        st.markdown("Ingen hændelser, udfald eller servicevinduer i måneden.")
        return
    st.dataframe(_interval_table(found.intervals), hide_index=True, width="stretch")
    st.caption(
        f"Intervallernes nedetid i alt: {_seconds(found.explained_seconds)} s = cellens "
        f"nedetid {_seconds(found.downtime_seconds)} s. Servicevinduer trækkes fra den aftalte "
        "servicetid og giver ingen nedetid. Tider er dansk tid."
    )


def _interval_table(intervals: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Type": intervals["kind"].map(KINDS).fillna(intervals["kind"]),
            "Reference": intervals["reference"],
            "Beskrivelse": intervals["title"].fillna(""),
            "Alvorlighed": intervals["severity"].map(SEVERITIES).fillna(""),
            "Påvirkning": intervals["impact"].map(_impact),
            "Start": intervals["start_local"].map(_local_time),
            "Slut": intervals["end_local"].map(_local_time),
            "Sekunder": intervals["seconds"].map(_seconds),
            "Nedetid (s)": intervals["downtime_seconds"].map(_seconds),
        }
    )


def _month(text: str) -> date:
    return datetime.strptime(text, "%Y-%m").date()


def _local_time(moment: datetime) -> str:
    return f"{moment:%d.%m.%Y %H:%M}"


def _impact(value: float) -> str:
    return "" if pd.isna(value) else danish.decimal(value * 100, 1) + "%"


def _seconds(value: float) -> str:
    return danish.decimal(value, 1)


def _duration(seconds: float) -> str:
    """'74 t 33 min': whole minutes are enough to read a month's figures."""
    minutes = round(seconds / 60)
    return f"{danish.integer(minutes // 60)} t {minutes % 60} min"


def main() -> None:
    path, version = shared.serving_copy()
    available = shared.months(path, version)
    if not available:
        st.info(shared.NO_DATA)
        return
    month = choose_month(available)
    report = shared.report(path, month, version)
    st.html(f"<style>{STYLE}</style>")
    st.html(f'<div class="ds-report">{title_html(report)}</div>')
    show_downloads(path, report, version)
    for area in report.areas:
        st.html(f'<div class="ds-report">{area_html(report, area, explain_links=True)}</div>')
        if area.note:
            show_restatements(area)
        if area.response:
            show_worst_hours(path, report, area, version)
    show_explanation(path, report, version)


main()
