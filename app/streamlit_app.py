"""The Driftsstatus app: a multipage shell; pages read the serving copy, never the warehouse."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Driftsstatus", layout="wide")

page = st.navigation(
    [
        st.Page(
            "app_pages/report.py",
            title="Driftsstatus",
            icon=":material/monitoring:",
            default=True,
        ),
        st.Page(
            "app_pages/published.py",
            title="Offentliggjorte rapporter",
            icon=":material/history:",
        ),
    ]
)
page.run()
