"""The history of published reports (R14): what was frozen, as of when, by whom."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app import shared
from dagster_project.report.published import publications

st.title("Offentliggjorte rapporter")
serving = shared.settings().serving_copy
history = publications(Path(serving)) if serving.exists() else []
if not history:
    st.info("Ingen rapporter er offentliggjort endnu: `driftsstatus publish --month YYYY-MM`.")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Rapport": p.report_id,
                    "Måned": f"{p.month:%Y-%m}",
                    "Beregnet pr.": f"{p.as_of:%Y-%m-%d %H:%M} UTC",
                    "Offentliggjort": f"{p.published_at:%Y-%m-%d %H:%M} UTC",
                    "Af": p.published_by,
                    "Erstatter": p.supersedes or "",
                    "Begrundelse": p.reason or "",
                    "SHA-256": p.content_hash,
                }
                for p in reversed(history)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
