"""Jobs: what `driftsstatus run`, the schedules and the sensors execute.

Loading is partitioned by day, building by month; Dagster runs one partitioning per
run, so a refresh is a load run followed by a build run of the months it touched.
"""

import dagster as dg

RAW = dg.AssetSelection.groups("landing")
DRAFTS = dg.AssetSelection.assets(["publish", "report_draft"])

load_landing = dg.define_asset_job(
    "load_landing",
    selection=RAW,
    description="Load the landing folder: the run's days of probe checks and service "
    "calls, and every new or changed incident, window and change file.",
)

build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all() - RAW - DRAFTS,
    description="Build and test the months of the run from the raw tables, then publish.",
)

monthly_report = dg.define_asset_job(
    "monthly_report",
    selection=dg.AssetSelection.all() - RAW,
    description="build_all for one month, then draft its report (PDF, XLSX, HTML, CSV).",
)
