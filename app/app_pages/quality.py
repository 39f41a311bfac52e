"""Data quality: what was loaded and rejected, what the expectation suites found, coverage."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import shared
from dagster_project.report import danish

COVERAGE_WARNING = 0.99  # the dbt warn test's threshold: below it a figure rests on few checks
COLUMNS = {
    "source": "Kilde", "file": "Fil", "suite": "Suite", "expectation_type": "Forventning",
    "column_name": "Kolonne", "validations": "Valideringer", "failed": "Fejlede",
    "unexpected_rows": "Afvigende rækker", "last_validated_at": "Senest valideret (UTC)",
    "reason": "Årsag", "rejected_at": "Afvist (UTC)", "line_number": "Linje",
    "raw_line": "Rå linje", "data_rows": "Datarækker", "rows_loaded": "Indlæst",
    "rows_rejected": "Afvist", "loaded_at": "Indlæst (UTC)",
    "rows_pending": "Venter (dage ikke indlæst)", "rows_removed": "Rækker fjernet",
    "removed_at": "Fjernet (UTC)", "loaded_at_field": "Tidsfelt",
    "max_loaded_at": "Nyeste række (UTC)", "age_hours": "Alder (timer)",
    "warn_after": "Forældet efter", "status": "Status", "test_name": "Test",
    "tested_models": "Model", "failures": "Rækker", "message": "Besked",
    "tested_at": "Testet (UTC)",
}  # fmt: skip
FRESHNESS_STATUS = {"pass": "aktuel", "warn": "forældet", "error": "forældet"}
TEST_STATUS = {"warn": "advarsel", "fail": "fejl", "error": "fejl"}


def coverage_table(coverage: pd.DataFrame) -> pd.io.formats.style.Styler:
    frame = coverage.assign(Måned=coverage["month"].map(danish.month_label))
    table = frame.pivot_table(
        index="label", columns="Måned", values="probe_coverage", sort=False
    ).reindex(columns=list(dict.fromkeys(frame["Måned"])))
    table.index.name = "System"
    return table.style.format(lambda v: "" if pd.isna(v) else danish.decimal(v * 100, 2) + "%").map(
        lambda v: "background-color: #ffeb9c" if v < COVERAGE_WARNING else ""
    )


def show(frame: pd.DataFrame, empty: str | None = None) -> None:
    if frame.empty and empty:
        st.markdown(empty)
        return
    st.dataframe(frame.rename(columns=COLUMNS), hide_index=True, width="stretch")


def main() -> None:
    st.title("Datakvalitet")
    path, version = shared.serving_copy()
    tables = shared.quality_tables(path, version)
    files, checks = tables["files"], tables["checks"]
    removed = tables["removed_files"]
    stale = tables["freshness"].query("status != 'pass'")
    tests = tables["data_tests"]
    figures = st.columns(8)
    figures[0].metric("Filer indlæst", danish.integer(len(files)))
    figures[1].metric("Rækker indlæst", danish.integer(int(files["rows_loaded"].sum())))
    figures[2].metric("Rækker afvist", danish.integer(len(tables["rejected_rows"])))
    figures[3].metric("Filer afvist", danish.integer(len(tables["rejected_files"])))
    figures[4].metric("Filer fjernet", danish.integer(len(removed)))
    figures[5].metric("Fejlede forventninger", danish.integer(int(checks["failed"].sum())))
    figures[6].metric("Forældede datakilder", danish.integer(len(stale)))
    figures[7].metric("Datatest ikke bestået", danish.integer(len(tests)))
    if len(stale):
        st.warning("Forældede datakilder: " + ", ".join(stale["source"]))

    st.subheader("Probernes dækning")
    st.caption("Andel af den aftalte servicetid med probe-målinger; gul under 99%.")
    st.dataframe(coverage_table(tables["coverage"]), width="stretch")

    st.subheader("Datakildernes aktualitet")
    st.caption("Nyeste række pr. kilde mod grænsen i dbt-kilderne; målt ved kørslen.")
    show(tables["freshness"].assign(status=tables["freshness"]["status"].map(FRESHNESS_STATUS)))

    st.subheader("Datatest (dbt) ikke bestået")
    st.caption("En advarsel stopper ikke kørslen, en fejl gør. Rækker: antal fundne tilfælde.")
    # A test is named by its Danish label (its dbt config's meta), its name without one.
    show(
        tests.assign(status=tests["status"].map(lambda status: TEST_STATUS.get(status, status))),
        "Alle datatest bestået.",
    )

    st.subheader("Forventninger (Great Expectations)")
    show(checks, "Ingen valideringer endnu.")
    st.subheader("Afviste filer")
    show(tables["rejected_files"], "Ingen afviste filer.")
    st.subheader("Afviste rækker")
    show(tables["rejected_rows"], "Ingen afviste rækker.")
    st.subheader("Indlæste filer")
    show(files, "Ingen filer indlæst.")
    st.subheader("Fjernede filer")
    st.caption("Filer fjernet fra modtagemappen; deres rækker er fjernet med dem.")
    show(removed, "Ingen filer fjernet.")


main()
