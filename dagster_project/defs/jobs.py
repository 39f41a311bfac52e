"""Jobs: the whole pipeline as one run (what `driftsstatus run` executes)."""

import dagster as dg

build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all(),
    description="Load every landing source, build and test all dbt models, publish.",
)
