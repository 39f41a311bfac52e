"""Read-only queries behind the app's detail pages: why a number, trends, incidents, quality.

Every figure comes from the marts or the audit tables as computed there; these functions
only select and convert units, and each opens one short-lived read-only connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from dagster_project.catalog import has_column, has_table
from dagster_project.report.model import Source, parse_month, read_connection
from dagster_project.timeline import LOCAL_ZONE


@dataclass(frozen=True)
class Explanation:
    """One cell and the intervals that decided it (fct_downtime_intervals)."""

    service_id: str
    label: str
    month: date
    display: str
    service_seconds: float
    excluded_seconds: float
    downtime_seconds: float
    red_seconds: float
    yellow_seconds: float
    intervals: pd.DataFrame  # kind, reference, title, severity, impact, start, end, seconds, ...

    @property
    def explained_seconds(self) -> float:
        return float(self.intervals["downtime_seconds"].sum()) if len(self.intervals) else 0.0


_CELL_SQL = """
select a.service_id, s.label, a.month, a.availability_display, a.service_seconds,
       a.excluded_seconds, a.downtime_seconds, a.red_seconds, a.yellow_seconds
from marts.fct_monthly_availability as a
join marts.dim_services as s using (service_id)
where a.service_id = ? and a.month = ?
"""
_INTERVALS_SQL = f"""
select d.condition_source as kind,
       coalesce(d.incident_id, d.window_id, d.condition_id) as reference,
       coalesce(i.service_code || ' ' || i.title, i.title, w.description) as title,
       d.severity, d.impact,
       timezone('{LOCAL_ZONE}', d.first_start_at) as start_local,
       timezone('{LOCAL_ZONE}', d.last_end_at) as end_local,
       d.seconds, d.downtime_seconds
from marts.fct_downtime_intervals as d
left join marts.fct_incidents as i
    on d.incident_id = i.incident_id and d.service_id = i.service_id
left join marts.fct_service_windows as w
    on d.window_id = w.window_id and d.service_id = w.service_id
where d.service_id = ? and d.month = ?
order by d.first_start_at, reference
"""


def explain_cell(source: Source, service_id: str, month: date | str) -> Explanation | None:
    """The cell's figures and the intervals behind it; None when the mart has no such cell."""
    month = parse_month(month)
    with read_connection(source) as con:
        cell = con.execute(_CELL_SQL, [service_id, month]).fetchone()
        if cell is None:
            return None
        intervals = con.execute(_INTERVALS_SQL, [service_id, month]).df()
    return Explanation(*cell[:4], *(float(v) for v in cell[4:]), intervals=intervals)


_HISTORY_SQL = """
select s.area, s.area_title, s.service_id, s.label, s.sort_order, a.month,
       a.availability_rounded, a.sla_target_pct, a.status_colour, a.sla_met,
       a.error_budget_seconds, a.downtime_seconds, a.service_seconds, a.probe_coverage
from marts.fct_monthly_availability as a
join marts.dim_services as s using (service_id)
where a.month > (select max(month) from marts.fct_monthly_availability) - to_months(?)
order by s.sort_order, a.month
"""


def availability_history(source: Source, months: int = 36) -> pd.DataFrame:
    """The last `months` months of every service: figure, target, colour and error budget."""
    with read_connection(source) as con:
        return con.execute(_HISTORY_SQL, [months]).df()


_INCIDENTS_SQL = f"""
select i.incident_id, i.version_number, i.service_code, i.title, i.service_id, s.label,
       i.area, i.severity, i.impact, i.status,
       timezone('{LOCAL_ZONE}', i.started_at::timestamptz) as started_local,
       timezone('{LOCAL_ZONE}', i.ended_at::timestamptz) as ended_local,
       timezone('{LOCAL_ZONE}', i.recorded_at::timestamptz) as recorded_local,
       i.description, i.cause, i.resolution
from marts.fct_incidents as i
left join marts.dim_services as s using (service_id)
order by i.started_at desc, i.incident_id, s.sort_order
"""


def incidents(source: Source) -> pd.DataFrame:
    """The incident register as in force now, one row per incident and affected service."""
    with read_connection(source) as con:
        return con.execute(_INCIDENTS_SQL).df()


_QUALITY_SQL = {
    "files": """
        select source, file, data_rows, rows_loaded, rows_rejected, rows_pending, loaded_at
        from audit.loaded_files order by loaded_at desc, source, file
    """,
    "removed_files": """
        select source, file, rows_removed, removed_at from audit.removed_files
        order by removed_at desc, source, file
    """,
    "rejected_files": """
        select source, file, reason, rejected_at from audit.rejected_files
        order by rejected_at desc, source, file
    """,
    "rejected_rows": """
        select source, file, line_number, reason, raw_line from audit.rejected_rows
        order by source, file, line_number
    """,
    "checks": """
        select source, suite, expectation_type, column_name,
               count(*) as validations,
               count(*) filter (where not success) as failed,
               sum(unexpected_count)::bigint as unexpected_rows,
               max(validated_at) as last_validated_at
        from audit.validation_results
        group by all order by failed desc, source, suite, expectation_type, column_name
    """,
    "coverage": """
        select s.label, a.month, a.probe_coverage
        from marts.fct_monthly_availability as a
        join marts.dim_services as s using (service_id)
        order by s.sort_order, a.month
    """,
}


# Source freshness (quality/freshness.py), stale feeds first; a copy from before the
# table existed shows none.
_FRESHNESS_SQL = """
    select source, loaded_at_field, max_loaded_at, age_seconds / 3600 as age_hours,
           warn_after, status
    from {table} order by status = 'pass', source
"""
_NO_FRESHNESS = """(select null::varchar as source, null::varchar as loaded_at_field,
    null::timestamptz as max_loaded_at, null::double as age_seconds,
    null::varchar as warn_after, null::varchar as status where false)"""


# The data tests that did not pass at their last run (dbt/macros/data_test_results.sql),
# failures first, under their Danish label (their name without one), with dbt's message
# where there is no count of failing rows (an error); a copy from before the table
# existed shows none, one from before the labels their names.
_DATA_TESTS_SQL = """
    select {label} as test_name, tested_models, status, failures,
           case when failures is null then message end as message, tested_at
    from {table} where status <> 'pass' order by status = 'warn', test_name
"""
_NO_DATA_TESTS = """(select null::varchar as test_name, null::varchar as tested_models,
    null::varchar as status, null::bigint as failures, null::varchar as message,
    null::timestamptz as tested_at where false)"""


def quality(source: Source) -> dict[str, pd.DataFrame]:
    """Files loaded, files and rows rejected, expectation results, probe coverage, the
    freshness of each source and the data tests that did not pass."""
    with read_connection(source) as con:
        tables = {name: con.execute(sql).df() for name, sql in _QUALITY_SQL.items()}
        for name, sql, table, missing in (
            ("freshness", _FRESHNESS_SQL, "source_freshness", _NO_FRESHNESS),
            ("data_tests", _DATA_TESTS_SQL, "data_test_results", _NO_DATA_TESTS),
        ):
            present = has_table(con, "audit", table)
            labelled = present and has_column(con, "audit", table, "label")
            tables[name] = con.execute(
                sql.format(
                    table=f"audit.{table}" if present else missing,
                    label="coalesce(label, test_name)" if labelled else "test_name",
                )
            ).df()
        return tables


_WORST_HOURS_SQL = f"""
select hour_rank, timezone('{LOCAL_ZONE}', hour_start) as hour_local, answered_checks,
       down_checks, measured_checks, over_threshold_checks, within_threshold_display,
       slowest_ms, threshold_ms
from marts.fct_response_time_worst_hours
where service_id = ? and month = ?
order by hour_rank
"""


def worst_response_hours(source: Source, service_id: str, month: date | str) -> pd.DataFrame:
    """The service-month's worst hours for response time, worst first, in Copenhagen time
    (fct_response_time_worst_hours); empty without a response-time target."""
    with read_connection(source) as con:
        return con.execute(_WORST_HOURS_SQL, [service_id, parse_month(month)]).df()
