"""Reference data the load derives with maintained libraries, loaded with the landing
tables so that every build reads them: Danish holidays (R2) and the occurrences of
recurring service windows (R3)."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import LandingFolder
from dagster_project.landing.holidays import load_public_holidays, spine_years
from dagster_project.landing.loader import ensure_raw_schema
from dagster_project.landing.recurring_windows import load_recurring_windows
from dagster_project.timeline import local_today


@dg.asset(key=["raw", "public_holidays"], group_name="landing", kinds={"duckdb"})
def public_holidays(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Danish public and optional holidays from the `holidays` package, for every year
    the month spine can report; service hours may close on them (service_hours.closed_on)."""
    years = spine_years(local_today())
    with duckdb.get_connection() as con:
        ensure_raw_schema(con)
        rows = load_public_holidays(con, years)
    return dg.MaterializeResult(metadata={"rows": rows, "years": f"{years.start}-{years.stop - 1}"})


@dg.asset(key=["raw", "recurring_window_occurrences"], group_name="landing", kinds={"duckdb"})
def recurring_window_occurrences(
    duckdb: DuckDBResource, landing: LandingFolder
) -> dg.MaterializeResult:
    """The reference data's recurring service windows (recurring_windows.csv, RFC 5545
    rules), one row per occurrence, expanded with dateutil."""
    with duckdb.get_connection() as con:
        ensure_raw_schema(con)
        rows = load_recurring_windows(con, Path(landing.reference_dir))
    return dg.MaterializeResult(metadata={"occurrences": rows})
