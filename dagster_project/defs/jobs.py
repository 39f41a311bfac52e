"""Jobs: what `driftsstatus run`, the schedules and the sensors execute.

Loading is partitioned by day, building by month; Dagster runs one partitioning per
run, so a refresh is a load run followed by a build run of the months it touched.
"""

import dagster as dg

RAW = dg.AssetSelection.groups("landing")
# Only the monthly job drafts the report and e-mails it: a nightly build sends nothing.
DRAFT_AND_DELIVERY = dg.AssetSelection.assets(
    ["publish", "report_draft"], ["publish", "report_delivery"]
)

load_landing = dg.define_asset_job(
    "load_landing",
    selection=RAW,
    description="Load the landing folder: the run's days of probe checks and service "
    "calls, and every new or changed incident, window and change file.",
)

build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all() - RAW - DRAFT_AND_DELIVERY,
    description="Build and test the months of the run from the raw tables, then publish.",
)

monthly_report = dg.define_asset_job(
    "monthly_report",
    selection=dg.AssetSelection.all() - RAW,
    description="build_all for one month, then draft its report (PDF, XLSX, HTML, CSV) "
    "and e-mail it to the configured recipients.",
)
