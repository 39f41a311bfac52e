"""Reference data the loader derives: Danish holidays (R2), with the landing tables so
that every build reads them."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.landing.holidays import load_public_holidays, spine_years
from dagster_project.landing.loader import ensure_raw_schema
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
