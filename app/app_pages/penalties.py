"""Bod: for contract managers, per month the penalties per service with the figures behind
them and the month's total, as the report model holds them (fct_monthly_penalties)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import shared
from dagster_project.report import danish
from dagster_project.report.penalties import kroner

NO_TERMS = "Ingen tjenester har kontraktvilkår (bod) i årets måneder til og med denne."
EXPLAINED = (
    "Bod pr. påbegyndt trin under SLA-målet, målt på den viste tilgængelighed; højst loftet. "
    "Opfyldt mål: 0,00 kr. Ingen afgørelse (n/a): ingen servicetid i måneden."
)


def main() -> None:
    st.title("Bod")
    path, version = shared.serving_copy()
    available = shared.months(path, version)
    if not available:
        st.info(shared.NO_DATA)
        return
    month = st.selectbox(
        "Måned",
        options=list(reversed(available)),
        format_func=lambda m: danish.month_name(m, capitalised=True),
        key="bod_maaned",
        width=320,
    )
    table = shared.report(path, month, version).penalties
    if table is None:
        st.info(NO_TERMS)
        return
    st.subheader(table.heading)
    st.caption(EXPLAINED)
    st.dataframe(
        pd.DataFrame([row.texts for row in table.rows], columns=list(table.columns)),
        hide_index=True,
    )
    totals = pd.DataFrame(
        [(danish.month_label(m), kroner(total)) for m, total in table.totals],
        columns=["Måned", "Bod i alt"],
    )
    st.dataframe(totals, hide_index=True)
    if table.note:
        st.warning(table.note + " (*: beløbet er opdateret siden den offentliggjorte rapport)")


main()
