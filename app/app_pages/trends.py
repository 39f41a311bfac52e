"""Trends: each service's availability against its target, and its error budget per month."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app import shared
from dagster_project.report import danish

PERIODS = {12: "12 måneder", 24: "24 måneder", 36: "36 måneder"}


def budget_table(history: pd.DataFrame) -> pd.DataFrame:
    """Remaining error budget in minutes per service and month; negative means overspent."""
    table = history.assign(
        Måned=history["month"].map(danish.month_label),
        minutes=history["error_budget_seconds"] / 60,
    ).pivot_table(index="label", columns="Måned", values="minutes", sort=False)
    table.index.name = "System"
    return table.reindex(columns=list(dict.fromkeys(history["month"].map(danish.month_label))))


def availability_chart(history: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(history).encode(
        x=alt.X("yearmonth(month):T", title="Måned", axis=alt.Axis(format="%b %y")),
    )
    lines = base.mark_line(point=True).encode(
        y=alt.Y(
            "availability_rounded:Q",
            title="Tilgængelighed (%)",
            scale=alt.Scale(zero=False),
        ),
        color=alt.Color("label:N", title="System"),
        tooltip=[
            alt.Tooltip("label:N", title="System"),
            alt.Tooltip("yearmonth(month):T", title="Måned"),
            alt.Tooltip("availability_rounded:Q", title="Tilgængelighed", format=".2f"),
            alt.Tooltip("sla_target_pct:Q", title="SLA-mål", format=".2f"),
        ],
    )
    target = base.mark_line(strokeDash=[6, 4], color="#555").encode(
        y="sla_target_pct:Q", detail="label:N"
    )
    return alt.layer(lines, target).properties(height=380)


def main() -> None:
    st.title("Udvikling")
    path, version = shared.serving_copy()
    months = st.segmented_control(
        "Periode", options=list(PERIODS), format_func=PERIODS.get, default=36, key="periode"
    )
    history = shared.history(path, months or 36, version)
    if history.empty:
        st.info(shared.NO_DATA)
        return
    areas = dict(zip(history["area"], history["area_title"], strict=False))
    area = st.selectbox("Driftsområde", options=list(areas), format_func=areas.get, key="omraade")
    in_area = history[history["area"] == area]
    labels = list(dict.fromkeys(in_area["label"]))
    chosen = st.multiselect("Systemer", options=labels, default=labels, key=f"systemer_{area}")
    shown = in_area[in_area["label"].isin(chosen)]
    st.subheader("Tilgængelighed mod SLA-mål")
    st.altair_chart(availability_chart(shown), width="stretch")
    st.caption("Stiplet linje: SLA-målet. Tallene er de samme som i rapporten (to decimaler).")
    st.subheader("Resterende fejlbudget (minutter)")
    st.dataframe(
        budget_table(shown).style.format(lambda v: "" if pd.isna(v) else danish.decimal(v, 1)),
        width="stretch",
    )
    st.caption(
        "Fejlbudget: den nedetid SLA-målet tillader i månedens aftalte servicetid, minus den "
        "målte nedetid. Et negativt tal betyder, at målet ikke er nået."
    )


main()
