"""The Driftsstatus app: a multipage shell; pages read the serving copy, never the warehouse."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Driftsstatus", layout="wide")

page = st.navigation(
    [
        st.Page("app_pages/report.py", title="Driftsstatus", icon=":material/monitoring:"),
        st.Page("app_pages/trends.py", title="Udvikling", icon=":material/trending_up:"),
        st.Page("app_pages/incidents.py", title="Hændelser", icon=":material/report:"),
        st.Page("app_pages/quality.py", title="Datakvalitet", icon=":material/fact_check:"),
        st.Page(
            "app_pages/published.py",
            title="Offentliggjorte rapporter",
            icon=":material/history:",
        ),
    ],
    position="top",  # the report's 14 columns need the full width
)
page.run()
