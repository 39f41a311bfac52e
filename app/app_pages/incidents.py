"""Incidents as in force now: filter by system, period, severity and service code."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from app import shared

SEVERITIES = {"red": "RØD", "yellow": "GUL"}
STATUSES = {"open": "åben", "resolved": "løst", "cancelled": "annulleret"}


def filtered(register: pd.DataFrame) -> pd.DataFrame:
    """The register narrowed by the page's filters (an empty filter keeps everything)."""
    columns = st.columns(4)
    labels = columns[0].multiselect("System", sorted(register["label"].dropna().unique()))
    codes = columns[1].multiselect(
        "Servicekode", sorted(register["service_code"].dropna().unique())
    )
    severities = columns[2].multiselect("Alvorlighed", list(SEVERITIES), format_func=SEVERITIES.get)
    first = register["started_local"].min().date()
    last = max(register["started_local"].max(), register["ended_local"].max()).date()
    period = columns[3].date_input(
        "Periode", value=(first, last), format="DD.MM.YYYY", key="periode"
    )
    keep = pd.Series(True, index=register.index)
    if labels:
        keep &= register["label"].isin(labels)
    if codes:
        keep &= register["service_code"].isin(codes)
    if severities:
        keep &= register["severity"].isin(severities)
    if isinstance(period, tuple) and len(period) == 2:
        keep &= _overlaps(register, *period)
    return register[keep]


def _overlaps(register: pd.DataFrame, start: date, end: date) -> pd.Series:
    """Incidents active at some time in [start, end] (an open incident is still active)."""
    begins = pd.Timestamp(start)
    ends = pd.Timestamp(end) + pd.Timedelta(days=1)
    return (register["started_local"] < ends) & (
        register["ended_local"].isna() | (register["ended_local"] >= begins)
    )


def table(register: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Hændelse": register["incident_id"],
            "Version": register["version_number"],
            "Servicekode": register["service_code"].fillna(""),
            "Titel": register["title"].fillna(""),
            "System": register["label"],
            "Alvorlighed": register["severity"].map(SEVERITIES).fillna(register["severity"]),
            "Status": register["status"].map(STATUSES).fillna(register["status"]),
            "Start": register["started_local"].dt.strftime("%d.%m.%Y %H:%M"),
            "Slut": register["ended_local"].dt.strftime("%d.%m.%Y %H:%M").fillna("åben"),
            "Registreret": register["recorded_local"].dt.strftime("%d.%m.%Y %H:%M"),
            "Beskrivelse": register["description"].fillna(""),
            "Årsag": register["cause"].fillna(""),
            "Løsning": register["resolution"].fillna(""),
        }
    )


def main() -> None:
    st.title("Hændelser")
    path, version = shared.serving_copy()
    register = shared.incident_register(path, version)
    if register.empty:
        st.info("Ingen hændelser registreret.")
        return
    shown = filtered(register)
    st.caption(
        f"Viser {shown['incident_id'].nunique()} af {register['incident_id'].nunique()} "
        "hændelser, én række pr. berørt system. Den gældende version af hver hændelse; "
        "tider er dansk tid."
    )
    st.dataframe(table(shown), hide_index=True, width="stretch")


main()
