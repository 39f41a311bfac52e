"""The Driftsstatus app: a multipage shell; pages read the serving copy, never the warehouse."""

from __future__ import annotations

import streamlit as st

from app import shared
from dagster_project.settings import load_settings

# The tab icon, inline: without one Streamlit makes the page's :material/...: icon the
# favicon and fetches it from fonts.gstatic.com, which an offline site cannot reach (the
# icons in the navigation come from the font Streamlit serves itself).
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect x="1" y="2" width="14" height="3" rx="1" fill="#006100"/>'
    '<rect x="1" y="6.5" width="14" height="3" rx="1" fill="#9c5700"/>'
    '<rect x="1" y="11" width="14" height="3" rx="1" fill="#9c0006"/>'
    "</svg>"
)

st.set_page_config(page_title="Driftsstatus", page_icon=FAVICON, layout="wide")
# Read once per session, here; the pages take them from app/shared.py.
if "settings" not in st.session_state:
    st.session_state["settings"] = load_settings()

page = st.navigation(
    [
        st.Page("app_pages/report.py", title="Driftsstatus", icon=":material/monitoring:"),
        st.Page("app_pages/trends.py", title="Udvikling", icon=":material/trending_up:"),
        st.Page("app_pages/incidents.py", title="Hændelser", icon=":material/report:"),
        st.Page("app_pages/penalties.py", title="Bod", icon=":material/gavel:"),
        st.Page("app_pages/quality.py", title="Datakvalitet", icon=":material/fact_check:"),
        st.Page(
            "app_pages/published.py",
            title="Offentliggjorte rapporter",
            icon=":material/history:",
        ),
    ],
    position="top",  # the report's 14 columns need the full width
)
shared.show_run_status()
page.run()
