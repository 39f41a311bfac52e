"""The monthly report page: the same report model the CLI renders, styled for the screen.

Reads only the serving copy (swapped atomically after a good run), through a short-lived
read-only connection inside `st.cache_data`, so the app never blocks a pipeline run.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dagster_project.report import danish
from dagster_project.report.model import COLUMN_TARGET, Area, Report, build_report, report_months
from dagster_project.settings import load_settings

# Light fills with dark text, readable and printable; the R/G marks repeat the colour in text.
CELL_STYLES = {
    "green": "background-color: #c6efce; color: #006100",
    "yellow": "background-color: #ffeb9c; color: #9c5700",
    "red": "background-color: #ffc7ce; color: #9c0006",
}
NO_DATA = "Ingen data endnu: kør `driftsstatus run`."
_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#$|~"})


@st.cache_data(ttl=60, show_spinner=False)
def load_months(serving_copy: str, version: int) -> tuple[date, ...]:
    """Months with data; `version` (the file's mtime) drops the cache when the copy is swapped."""
    return report_months(Path(serving_copy))


@st.cache_data(ttl=60, show_spinner=False)
def load_report(serving_copy: str, month: date, version: int) -> Report:
    return build_report(Path(serving_copy), month)


def area_table(report: Report, area: Area) -> pd.io.formats.style.Styler:
    """The area's table as shown in the seed: services, then the service-call row if any."""
    columns = [COLUMN_TARGET, *report.month_labels]
    texts = {row.label: [row.target_display, *(c.text for c in row.cells)] for row in area.rows}
    styles = {
        row.label: ["", *(CELL_STYLES.get(c.colour or "", "") for c in row.cells)]
        for row in area.rows
    }
    if area.calls is not None:
        calls = area.calls
        texts[calls.label] = [calls.target_display, *(c.display for c in calls.cells)]
        styles[calls.label] = [""] * len(columns)
    frame = pd.DataFrame.from_dict(texts, orient="index", columns=columns)
    frame.index.name = area.table_heading
    css = pd.DataFrame.from_dict(styles, orient="index", columns=columns)
    # Colours come from the mart's status_colour per cell, not from parsing the text.
    return frame.style.apply(lambda _: css, axis=None)


def _markdown(text: str) -> str:
    return text.translate(_MARKDOWN_SPECIALS)


def show_restatements(area: Area) -> None:
    """R14: for each restated cell, the value published before, when, and what changed it."""
    with st.expander("Opdaterede tal"):
        for row in area.rows:
            for cell in row.cells:
                if cell.previous is None:
                    continue
                was = cell.previous
                why = ", ".join(was.changed_by) or "ingen ny hændelsesversion"
                st.markdown(
                    _markdown(
                        f"{row.label}, {danish.month_label(cell.month)}: {was.display} → "
                        f"{cell.display} (offentliggjort {was.published_at:%d.%m.%Y} i "
                        f"{was.report_id}; ændret af {why})"
                    )
                )


def show_area(report: Report, area: Area) -> None:
    st.subheader(area.title)
    st.dataframe(area_table(report, area), width="stretch")
    st.caption(report.legend)
    (st.success if area.satisfactory else st.warning)(area.verdict)
    st.markdown(_markdown(area.notes_lead))
    for note in area.notes:
        st.markdown(
            f"- **{_markdown(note.heading)}** ({_markdown(note.period)}): {_markdown(note.body)}"
        )
    if area.note:
        st.markdown(_markdown(area.note))
        show_restatements(area)
    st.markdown(_markdown(area.counts.sentence))


def main() -> None:
    serving = load_settings().serving_copy
    if not serving.exists():
        st.title("Driftsstatus")
        st.info(NO_DATA)
        return
    version = serving.stat().st_mtime_ns
    try:
        months = load_months(str(serving), version)
    except duckdb.Error as problem:
        st.error(f"Kan ikke læse data fra {serving}: {problem}")
        return
    if not months:
        st.info(NO_DATA)
        return
    month = st.selectbox(
        "Rapportmåned",
        options=list(reversed(months)),
        index=0,
        format_func=lambda m: danish.month_name(m, capitalised=True),
        key="report_month",
    )
    report = load_report(str(serving), month, version)
    st.title(report.title)
    st.markdown(f"**{report.subtitle}**  \n{report.period}")
    for area in report.areas:
        show_area(report, area)


main()
