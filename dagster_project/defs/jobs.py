"""Jobs: what `driftsstatus run`, the schedules and the landing sensor execute.

Both are partitioned by month (the report facts); a run over a range of months is one run.
"""

import dagster as dg

DRAFTS = dg.AssetSelection.assets(["publish", "report_draft"])

build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all() - DRAFTS,
    description="Load the landing folder, build and test the months of the run, publish.",
)

monthly_report = dg.define_asset_job(
    "monthly_report",
    selection=dg.AssetSelection.all(),
    description="build_all for one month, then draft its report (PDF, XLSX, HTML, CSV).",
)
