"""How long the report page takes to render, on the sample and on 50 services x 36 months.

Usage:
    .venv/bin/python benchmarks/render_report.py [--warehouse PATH] [--month YYYY-MM]

--warehouse is a serving copy (default: the settings' serving copy); --month is the report
month (default: the latest month of the sample). Two datasets are timed:

- sample: the given serving copy as it is;
- synthetic: a copy of it whose marts are rewritten in SQL to 5 areas x 10 services and the
  36 months ending at the sample's last month (built in a temporary directory, then deleted).

For each: `build_report` + html render in-process (median of 5 after a warm-up); the whole
report page through Streamlit's AppTest with an empty st.cache_data (median of 5 cold runs
after a warm-up); the csv, xlsx and pdf exports once each. AppTest's own cost on a one-line
page is printed too, as it is part of every page figure.

A benchmark, not a test: it exits 0 however slow the page is, but stops if the page raises.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import streamlit as st
import streamlit.config
import streamlit.logger
from streamlit.testing.v1 import AppTest

from dagster_project.report import build_report, render, report_months
from dagster_project.report.model import ReportMonthError, parse_month
from dagster_project.report.render_html import MONTH_PARAM
from dagster_project.settings import REPO_ROOT, environment, load_settings, serving_copy_of

APP = REPO_ROOT / "app" / "streamlit_app.py"
RUNS = 5
TARGET_SECONDS = 1.0
EXPORTS = ("csv", "xlsx", "pdf")
SYNTHETIC_MONTHS = 36
MART_TABLES = (
    "dim_services",
    "fct_monthly_availability",
    "fct_monthly_service_calls",
    "fct_monthly_operations",
    "fct_incidents",
    "fct_downtime_intervals",
)


@dataclass(frozen=True)
class Result:
    dataset: str
    services: int
    months: int
    rows: int
    build_html_ms: float
    page_ms: float
    export_ms: dict[str, float]


def main() -> None:
    args = parse_args()
    sample = args.warehouse or load_settings().serving_copy
    month = report_month(sample, args.month)
    # Clearing st.cache_data outside a server warns about the missing runtime: noise here.
    # The option covers loggers Streamlit sets up later, the call those it has already.
    streamlit.config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")
    with tempfile.TemporaryDirectory(prefix="render-report-") as tmp:
        datasets = {
            "sample": stage(sample, Path(tmp) / "sample"),
            "synthetic": synthesise(sample, Path(tmp) / "synthetic"),
        }
        results = [measure(name, warehouse, month) for name, warehouse in datasets.items()]
    print_results(month, results, harness_ms())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a serving copy (default: the settings')")
    parser.add_argument("--month", help="report month YYYY-MM (default: the latest)")
    return parser.parse_args()


def report_month(sample: Path, wanted: str | None) -> date:
    """The month asked for, or the sample's latest; stop with a message when it has no data."""
    months = report_months(sample)
    if not months:
        raise SystemExit(f"no months with data in {sample}")
    try:
        month = parse_month(wanted) if wanted else months[-1]
    except ReportMonthError as error:
        raise SystemExit(error) from None
    if month not in months:
        raise SystemExit(f"no data for {month:%Y-%m} in {sample}")
    return month


def stage(serving: Path, directory: Path) -> Path:
    """A warehouse path in `directory` whose serving copy is a copy of `serving`.

    The app finds the serving copy next to the warehouse path (serving_copy_of), so each
    dataset gets its own directory; the warehouse file itself need not exist.
    """
    directory.mkdir(parents=True)
    warehouse = directory / "warehouse.duckdb"
    shutil.copyfile(serving, serving_copy_of(warehouse))
    return warehouse


# --- the synthetic dataset ----------------------------------------------------------------

# Deterministic pseudo-randomness: the same warehouse gives the same figures on every run.
_MACROS = """
create or replace temp macro bench_u(key, month, salt) as
    (hash(key, month, salt) % 1000000) / 1000000.0;
create or replace temp macro bench_start(key, month) as
    timezone('Europe/Copenhagen', month::timestamp)
    + to_seconds((hash(key, month, 'start') % (20 * 86400))::bigint);
create or replace temp table bench_months as
    select (last_month - to_months(i))::date as month
    from (select max(month) as last_month from marts.fct_monthly_availability), range(?) as r(i);
"""

_SERVICES_SQL = """
create or replace table marts.dim_services as
with areas(area_no, area, area_title, table_heading, target) as (
    values
        (1, 'stoettesystemer', 'Støttesystemerne', 'STØTTESYSTEMER', 99.9),
        (2, 'serviceplatformen', 'Serviceplatformen', 'SERVICEPLATFOMEN', 99.8),
        (3, 'fagsystemer', 'Fagsystemerne', 'FAGSYSTEMER', 99.5),
        (4, 'datafordeler', 'Datafordeleren', 'DATAFORDELER', 99.8),
        (5, 'selvbetjening', 'Selvbetjeningen', 'SELVBETJENING', 99.9)
),
layers(layer_no, layer, suffix) as (
    values (1, 'applikation', 'app'), (2, 'infrastruktur', 'infra')
)
select
    format('a{}_sys{}_{}', area_no, system_no, suffix)::varchar as service_id,
    area::varchar as area,
    area_title::varchar as area_title,
    table_heading::varchar as table_heading,
    format('{} {}', area_title[:3], system_no)::varchar as system,
    layer::varchar as layer,
    format('{} {} - {}', area_title[:3], system_no, layer)::varchar as label,
    row_number() over (order by area_no, system_no, layer_no)::integer as sort_order,
    null::varchar as environment,
    1.0::double as degraded_impact,
    target::decimal(5, 2) as sla_target_pct
from areas, range(1, 6) as systems(system_no), layers
"""

# Mostly 100 %, some small outages within target, about 7 % of cells missing it; the
# display has the mart's format (the page shows it as it is).
_AVAILABILITY_SQL = """
create or replace table marts.fct_monthly_availability as
with cells as (
    select
        s.service_id, s.area, s.sla_target_pct, m.month,
        epoch(timezone('Europe/Copenhagen', (m.month + interval 1 month)::timestamp))
            - epoch(timezone('Europe/Copenhagen', m.month::timestamp)) as month_seconds,
        bench_u(s.service_id, m.month, 'window') < 0.15 as has_window,
        bench_u(s.service_id, m.month, 'colour') < 0.5 as is_red,
        bench_u(s.service_id, m.month, 'outage') as u
    from marts.dim_services as s, bench_months as m
),
seconds as (
    select
        *,
        month_seconds - if(has_window, 14400, 0) as service_seconds,
        round(service_seconds * case
            when u < 0.75 then 0
            when u < 0.93 then (u - 0.75) * 0.004
            else 0.0015 + (u - 0.93) * 0.2
        end) as downtime_seconds,
        if(is_red, downtime_seconds, 0) as red_seconds,
        100 * (service_seconds - downtime_seconds) / service_seconds as availability_pct,
        round(availability_pct, 2)::decimal(5, 2) as availability_rounded
    from cells
)
select
    service_id,
    month,
    service_seconds::double as service_seconds,
    (month_seconds - service_seconds)::double as excluded_seconds,
    downtime_seconds::double as downtime_seconds,
    red_seconds::double as red_seconds,
    (downtime_seconds - red_seconds)::double as yellow_seconds,
    1.0::double as probe_coverage,
    ((100 - sla_target_pct) * service_seconds / 100 - downtime_seconds)::double
        as error_budget_seconds,
    availability_pct::double as availability_pct,
    replace(availability_rounded::varchar, '.', ',') || '%' as availability_display,
    sla_target_pct,
    availability_rounded >= sla_target_pct as sla_met,
    -- Fake data: the colour is drawn with the downtime, not derived by R10 a second time.
    case when availability_rounded >= sla_target_pct then 'green' when is_red then 'red'
        else 'yellow' end as status_colour,
    availability_rounded,
    area,
    month_seconds::double as month_seconds,
    service_seconds::double as known_seconds,
    false as is_month_to_date
from seconds
"""

_CALLS_SQL = """
create or replace table marts.fct_monthly_service_calls as
select
    a.area, e.environment, m.month,
    (50000000 + hash(a.area, e.environment, m.month) % 50000000)::bigint as calls,
    (calls // 1000)::bigint as failed_calls
from (select distinct area from marts.dim_services) as a,
    (values ('m1'), ('m2')) as e(environment), bench_months as m
"""

_OPERATIONS_SQL = """
create or replace table marts.fct_monthly_operations as
select
    a.area, m.month,
    (5 + hash(a.area, m.month, 'changes') % 30)::bigint as changes,
    (hash(a.area, m.month, 'windows') % 3)::bigint as service_windows,
    (hash(a.area, m.month, 'late') % 10 = 0)::bigint as late_service_windows
from (select distinct area from marts.dim_services) as a, bench_months as m
"""

# One incident per missed cell, so every area gets a few notes over the year.
_INCIDENTS_SQL = """
create or replace table marts.fct_incidents as
select
    format(
        'INC-{}-{:04d}', year(a.month),
        row_number() over (partition by year(a.month) order by a.month, a.service_id)
    ) as incident_id,
    a.service_id, a.area,
    a.status_colour as severity,
    1.0::double as impact,
    bench_start(a.service_id, a.month) as started_at,
    started_at + to_seconds(a.downtime_seconds::bigint) as ended_at,
    ended_at as effective_end_at,
    'resolved' as status,
    if(hash(a.service_id, a.month) % 2 = 0,
       format('SF{}', 1000 + hash(a.service_id, a.month) % 900), null) as service_code,
    'Nedbrud i ' || s.label as title,
    'Tjenesten var utilgængelig for en del af brugerne.' as description,
    'Årsagen var en fejl i en netværkskomponent.' as cause,
    'Komponenten blev genstartet, og tjenesten kørte igen normalt.' as resolution,
    ended_at + interval 1 hour as recorded_at,
    1::bigint as version_number
from marts.fct_monthly_availability as a
join marts.dim_services as s using (service_id)
where not a.sla_met
"""

# One interval per cell with downtime, summing to its downtime (the page's "why this number").
_INTERVALS_SQL = """
create or replace table marts.fct_downtime_intervals as
select
    a.service_id, a.month,
    if(i.incident_id is null, 'probe', 'incident') as condition_source,
    coalesce(
        i.incident_id,
        format('probe {} {}', if(a.red_seconds > 0, 'down', 'degraded'),
               strftime(bench_start(a.service_id, a.month), '%Y-%m-%dT%H:%MZ'))
    ) as condition_id,
    i.incident_id,
    null::varchar as window_id,
    if(a.red_seconds > 0, 'red', 'yellow') as severity,
    1.0::double as impact,
    bench_start(a.service_id, a.month) as first_start_at,
    first_start_at + to_seconds(a.downtime_seconds::bigint) as last_end_at,
    a.downtime_seconds as seconds,
    a.downtime_seconds as downtime_seconds
from marts.fct_monthly_availability as a
left join marts.fct_incidents as i
    on a.service_id = i.service_id and bench_start(a.service_id, a.month) = i.started_at
where a.downtime_seconds > 0
"""

# No earlier publications: restatement marks would compare with the sample's figures.
_UNPUBLISH_SQL = "delete from published.cells; delete from published.reports;"


def synthesise(sample: Path, directory: Path) -> Path:
    """A warehouse path whose serving copy is the sample with 50 x 36 synthetic marts."""
    warehouse = stage(sample, directory)
    with duckdb.connect(str(serving_copy_of(warehouse))) as con:
        before = {table: column_types(con, table) for table in MART_TABLES}
        con.execute(_MACROS, [SYNTHETIC_MONTHS])
        for sql in (_SERVICES_SQL, _AVAILABILITY_SQL, _CALLS_SQL, _OPERATIONS_SQL):
            con.execute(sql)
        con.execute(_INCIDENTS_SQL)  # after availability: one per missed cell
        con.execute(_INTERVALS_SQL)  # after incidents: misses point at theirs
        con.execute(_UNPUBLISH_SQL)
        for table, types in before.items():
            if column_types(con, table) != types:
                raise RuntimeError(f"synthetic marts.{table} changed its columns or types")
    return warehouse


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()


# --- timing -------------------------------------------------------------------------------


def measure(dataset: str, warehouse: Path, month: date) -> Result:
    serving = serving_copy_of(warehouse)
    services, months, rows = shape(serving)
    report = build_report(serving, month)
    return Result(
        dataset=dataset,
        services=services,
        months=months,
        rows=rows,
        build_html_ms=median_ms(lambda: render(build_report(serving, month), "html")),
        page_ms=median_ms(lambda: run_page(warehouse, month, len(report.areas))),
        export_ms={fmt: once_ms(lambda fmt=fmt: render(report, fmt)) for fmt in EXPORTS},
    )


def shape(serving: Path) -> tuple[int, int, int]:
    """Services, months and rows of fct_monthly_availability."""
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(
            "select count(distinct service_id), count(distinct month), count(*) "
            "from marts.fct_monthly_availability"
        ).fetchone()


def median_ms(action: Callable[[], object]) -> float:
    """The median of RUNS timings after one untimed warm-up (imports, fonts, first connect)."""
    action()
    return statistics.median(once_ms(action) for _ in range(RUNS))


def once_ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def run_page(warehouse: Path, month: date, areas: int) -> None:
    """One cold run of the app's default page (the report) for `month`, checked for errors."""
    st.cache_data.clear()  # cold: every query and export of the page is computed again
    # The app reads its settings from the environment on every run.
    with environment(DRIFTSSTATUS_WAREHOUSE=str(warehouse), DRIFTSSTATUS_AS_OF=None):
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.query_params[MONTH_PARAM] = f"{month:%Y-%m}"
        at.run()
    if at.exception:
        raise RuntimeError(f"the report page failed: {[e.message for e in at.exception]}")
    # The title block plus one table per area: a page that rendered nothing is no benchmark.
    if len(at.html) < 1 + areas:
        raise RuntimeError(f"the report page showed {len(at.html)} html blocks, not {1 + areas}")


def harness_ms() -> float:
    """AppTest's own cost on a one-line page: inside every page figure, not a server's cost."""
    return median_ms(lambda: AppTest.from_string("import streamlit as st\nst.write('')").run())


# --- output -------------------------------------------------------------------------------


def print_results(month: date, results: list[Result], harness: float) -> None:
    header = ("dataset", "services", "months", "rows", "build+html ms", "page cold ms")
    header += tuple(f"{fmt} ms" for fmt in EXPORTS)
    table = [header] + [
        (
            r.dataset,
            str(r.services),
            str(r.months),
            str(r.rows),
            f"{r.build_html_ms:.0f}",
            f"{r.page_ms:.0f}",
            *(f"{r.export_ms[fmt]:.0f}" for fmt in EXPORTS),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print(f"report month {month:%Y-%m}; medians of {RUNS} runs after a warm-up, exports once")
    for row in table:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"(page cold ms includes {harness:.0f} ms of AppTest's own cost on a one-line page)")
    for r in results:
        seconds = r.page_ms / 1000
        verdict = "OK" if seconds < TARGET_SECONDS else "SLOW"
        print(
            f"report page render ({r.dataset}): {seconds:.3f} s "
            f"(target < {TARGET_SECONDS:g} s): {verdict}"
        )
    print(f"report page render max: {max(r.page_ms for r in results) / 1000:.3f} s")


if __name__ == "__main__":
    main()
