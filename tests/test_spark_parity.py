"""One dbt project, two engines (issue 14): `driftsstatus run` with
DRIFTSSTATUS_ENGINE=spark (dbt-spark's in-process session, local mode, on 127.0.0.1)
computes what it computes on DuckDB, table for table and report byte for byte.

The declarations sample is the data (it has a row in every seed). Each engine runs the
pipeline twice on its own copy of the sample's warehouse: every month as of AS_OF, then
a partition-limited run of two months as of WINDOW_AS_OF, which rebuilds November and
drops December (after that instant), and leaves January as the first run made it."""

from __future__ import annotations

import shutil
from io import BytesIO
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from dagster_project.report.model import build_report
from dagster_project.report.render import render
from dagster_project.settings import serving_copy_of
from tests.helpers import copy_warehouse, driftsstatus

AS_OF = "2024-01-04T08:00:00+01:00"  # inside the sample's data: the as-of filters bite
WINDOW = "2023-11..2023-12"
WINDOW_AS_OF = "2023-11-20T12:00:00+01:00"
RUNS = {
    "every-month": ("--as-of", AS_OF),
    "two-months": ("--as-of", WINDOW_AS_OF, "--months", WINDOW),
}
# The reports each run leaves, as the app and the exports give them: the month the first
# run ends in, and the window's first month.
REPORTS = {"every-month": "2024-01", "two-months": "2023-11"}
FORMATS = ("text", "csv", "json", "html", "pdf", "xlsx")
# Types Spark lacks, compared as text: a time of day is its 'HH:MM:SS' text
# (dbt/macros/spark/seeds.sql); the probe hours' masks, DuckDB's UBIGINTs, are BIGINTs
# (Spark has no unsigned integers), whose 63 bits hold their 60.
SPARK_TYPES = {"TIME": "VARCHAR", "UBIGINT": "BIGINT"}
# DuckDB keeps the hour fold and the vote of every month with the fingerprint of their
# inputs (dbt/macros/probe_fold.sql), Spark makes the months being built: the same rows
# of those months, the fingerprint DuckDB's own bookkeeping (null on Spark). Each table
# by the instant that places its rows in a month.
KEPT_BY_MONTH = {
    "intermediate.int_probe_hours": "hour_start",
    "intermediate.int_probe_status_blocks": "start_at",
}
FOLDED = {
    "every-month": "true",
    "two-months": "{at} >= timestamptz '2023-10-31 23:00:00+00' "
    "and {at} < timestamptz '2023-12-31 23:00:00+00'",
}


def _run(env: dict[str, str], folder: Path, run: str) -> Path:
    """One pipeline run; its state kept in `folder/run`: the warehouse, its serving copy
    and raw store, Spark's built tables, and the reports."""
    driftsstatus("run", *RUNS[run], env=env)
    warehouse = Path(env["DRIFTSSTATUS_WAREHOUSE"])
    kept = folder / run
    kept.mkdir()
    copy_warehouse(warehouse, kept / "warehouse.duckdb", serving=True)
    built = warehouse.with_name(warehouse.stem + ".spark") / "built"
    if built.is_dir():
        shutil.copytree(built, kept / "built")
    # As `driftsstatus report --format F` renders it from the serving copy (in-process:
    # six formats of four states would cost a minute of interpreter starts).
    report = build_report(serving_copy_of(kept / "warehouse.duckdb"), REPORTS[run])
    for fmt in FORMATS:
        shown = render(report, fmt, colour=False)
        (kept / f"report.{fmt}").write_bytes(shown if isinstance(shown, bytes) else shown.encode())
    return kept


@pytest.fixture(scope="module")
def engines(declared_built: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """{run: {engine: its state after the run}} for both engines and both runs."""
    root = tmp_path_factory.mktemp("engines")
    states: dict[str, dict[str, Path]] = {run: {} for run in RUNS}
    for engine in ("duckdb", "spark"):
        folder = root / engine
        folder.mkdir()
        warehouse = copy_warehouse(Path(declared_built["warehouse"]), folder / "warehouse.duckdb")
        env = declared_built["env"] | {
            "DRIFTSSTATUS_WAREHOUSE": str(warehouse),
            "DRIFTSSTATUS_ENGINE": engine,
        }
        for run in RUNS:
            states[run][engine] = _run(env, folder, run)
    return states


def _relations(warehouse: Path, schemas: tuple[str, ...]) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                f"where schema_name in {schemas} order by 1, 2"
            ).fetchall()
        ]


def _assert_same_rows(con: duckdb.DuckDBPyConnection, duck: str, spark: str, name: str) -> int:
    """Same columns and types, and the same rows as multisets; returns the row count."""
    columns = con.execute(f"describe {duck}").fetchall()
    spark_columns = con.execute(f"describe select * from {spark}").fetchall()
    assert [(c[0], SPARK_TYPES.get(c[1], c[1])) for c in columns] == [
        (c[0], c[1]) for c in spark_columns
    ], name
    # Every value exactly (instants to the microsecond, decimals, lists): no row more or
    # less on either side. A time of day as its text.
    values = ", ".join(
        f'cast("{c[0]}" as varchar)' if c[1] in SPARK_TYPES else f'"{c[0]}"' for c in columns
    )
    for one, other in ((duck, spark), (spark, duck)):
        extra = con.execute(
            f"select {values} from {one} except all select {values} from {other} limit 3"
        ).fetchall()
        assert extra == [], f"{name}: rows of {one} only: {extra}"
    return con.execute(f"select count(*) from {duck}").fetchone()[0]


def test_r15_spark_computes_what_duckdb_computes_table_for_table_and_report_byte_for_byte(engines):
    """One test, so that the four pipeline runs it compares are made on one worker."""
    for run in RUNS:
        duck, spark = engines[run]["duckdb"], engines[run]["spark"]
        _assert_same_built_tables(duck, spark, FOLDED[run])
        _assert_same_served_marts(duck, spark)
        _assert_same_report(duck, spark)
    _assert_r6_the_two_month_run_replaces_its_window_only(engines)


def _assert_same_built_tables(duck: Path, spark: Path, folded: str) -> None:
    """Every seed, intermediate table and mart Spark built is DuckDB's, and none is
    empty (the data reaches every table); of the tables kept by month, the rows of the
    months `folded` selects."""
    expected = _relations(duck / "warehouse.duckdb", ("seeds", "intermediate", "marts"))
    assert sorted(p.name for p in (spark / "built").iterdir()) == expected
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{duck / 'warehouse.duckdb'}' as duck (read_only)")
        tables = {
            name: (f"duck.{name}", f"read_parquet('{spark / 'built' / name}/*.parquet')")
            for name in expected
        }
        for kept, at in KEPT_BY_MONTH.items():
            duck_kept, spark_kept = tables[kept]
            found = con.execute(f"select count(*) from {spark_kept} where raw_inputs is not null")
            assert found.fetchone() == (0,)
            tables[kept] = tuple(
                f"(select * exclude (raw_inputs) from {table} where {folded.format(at=at)})"
                for table in (duck_kept, spark_kept)
            )
        counts = {name: _assert_same_rows(con, *tables[name], name) for name in expected}
    assert [name for name, rows in counts.items() if not rows] == []


def _assert_same_served_marts(duck: Path, spark: Path) -> None:
    """The marts Spark built are the serving copy's, the app's, exactly as DuckDB's."""
    marts = _relations(duck / "warehouse.serving.duckdb", ("marts",))
    assert _relations(spark / "warehouse.serving.duckdb", ("marts",)) == marts
    with duckdb.connect() as con:
        con.execute(f"attach '{duck / 'warehouse.serving.duckdb'}' as duck (read_only)")
        con.execute(f"attach '{spark / 'warehouse.serving.duckdb'}' as spark (read_only)")
        for name in marts:
            _assert_same_rows(con, f"duck.{name}", f"spark.{name}", name)


def _assert_same_report(duck: Path, spark: Path) -> None:
    """R15: the report byte for byte; an XLSX, a zip whose entries carry the time they
    were written, cell for cell."""
    for fmt in FORMATS[:-1]:
        assert (spark / f"report.{fmt}").read_bytes() == (duck / f"report.{fmt}").read_bytes(), fmt
    assert _cells(spark / "report.xlsx") == _cells(duck / "report.xlsx")


def _assert_r6_the_two_month_run_replaces_its_window_only(engines: dict) -> None:
    """December lies after the second run's instant: its rows go on both engines (Spark
    drops the month's partition); January keeps the first run's figures."""

    def months(state: Path) -> list[tuple]:
        with duckdb.connect(str(state / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(
                "select month, count(*) from marts.fct_monthly_availability "
                "group by month order by month"
            ).fetchall()

    for engine in ("duckdb", "spark"):
        first, second = (months(engines[run][engine]) for run in RUNS)
        assert [m for m in first if (m[0].year, m[0].month) == (2023, 12)] != [], engine
        assert [m for m in second if (m[0].year, m[0].month) == (2023, 12)] == [], engine
        assert [m for m in second if m[0].year == 2024] == [m for m in first if m[0].year == 2024]


def _cells(path: Path) -> list[list[tuple]]:
    book = load_workbook(BytesIO(path.read_bytes()))
    return [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
