"""The pipeline against a floor, at scale: load, full build, a one-day run, memory, render.

Usage:
    .venv/bin/python benchmarks/pipeline.py [--services 200] [--probes 2] [--months 12]
        [--base 50] [--format parquet|csv.gz] [--workdir DIR]

`make bench` runs 200 services x 2 probes x 12 months (about 210 million checks) with
the scaling series at 50, 100 and 200 services; `make bench-quick` the same at 20 x 2 x 1
(scaling at 5, 10, 20), in under 3 minutes.

For every scale of the series (1x, 2x, 4x the base; the last is the scale asked for) a
scaled sample is written (`driftsstatus sample --services N`) and

- the pipeline: `driftsstatus run` on an empty warehouse, a real subprocess; its step
  times give the load (rows/s), the GX checks and the full build (the dbt build of every
  model and test over the loaded raw tables); the whole run's wall time and peak memory
  (RSS of the process tree, sampled every 0.1 s) are measured from outside;
- the floor: benchmarks/floor.sql, one hand-written DuckDB script computing
  fct_monthly_availability straight from the same landing files with the hour-mask
  fold, in its own process; its load figure is a bare count of the checks in the files.

At the largest scale, also: a one-day run (one more day's file lands; `driftsstatus run
--months` of that month, as the nightly schedule does it), and then the floor again (a
floor has no state: it recomputes everything); the report page's render time (the app
through Streamlit's AppTest, cold cache). Pipeline, floor and the known pattern of the
scaled sample must agree on every service and month, else the script exits 1.

This machine's speed drifts by as much as half within minutes, and not alike for DuckDB
(the floor) and Python (half the pipeline): at every scale the pipeline and the floor
run RUNS times each, alternating, and each side's fastest run counts (its peak memory
is the largest of its runs); the one-day run and the publication run RUNS times each
from the same state, put back between them; every run's time is printed.

The scaling exponent is the least-squares slope of log(time) against log(rows). Two
ratios are printed, both from the same run: build only (the dbt step against the floor)
and end to end (`driftsstatus run` from an empty warehouse against the floor); the last
line is `pipeline/floor: <end-to-end ratio>`.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import duckdb
import streamlit.config
import streamlit.logger

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))

from render_report import median_ms, run_page  # noqa: E402

from dagster_project.infra.dbt_command import warehouse_target_path  # noqa: E402
from dagster_project.sample.scale import (  # noqa: E402
    expected_availability,
    month_spans,
    write_day,
    write_scaled_sample,
)
from dagster_project.sample.scenario import CPH  # noqa: E402
from dagster_project.settings import load_settings, serving_copy_of  # noqa: E402

BIN = Path(sys.executable).parent
RUNS = 2  # of the pipeline and of the floor at each scale, alternating; the fastest counts
FLOOR_SQL = BENCHMARKS / "floor.sql"
TOLERANCE = 1e-6  # seconds and fractions: both sides sum whole minutes
COMPARED = (
    "service_seconds",
    "excluded_seconds",
    "downtime_seconds",
    "red_seconds",
    "yellow_seconds",
    "probe_coverage",
    "error_budget_seconds",
    "availability_pct",
)
EXACT = ("availability_display", "sla_target_pct", "sla_met", "status_colour")


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    output: str = ""


@dataclass
class Scale:
    services: int
    probes: int
    months: int
    rows: int = 0
    pipeline: Measured | None = None
    steps: dict[str, float] = field(default_factory=dict)
    floor: Measured | None = None
    runs: list[float] = field(default_factory=list)  # every whole run's seconds
    floors: list[float] = field(default_factory=list)  # every floor's seconds
    floor_load_seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.services} x {self.probes} x {self.months}"

    @property
    def build_seconds(self) -> float:
        return self.steps["report_facts"]

    @property
    def load_seconds(self) -> float:
        return self.steps["daily_raw_tables"]

    @property
    def gx_seconds(self) -> float:
        return self.steps["gx_suites"]


def main() -> None:
    args = parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="driftsstatus-bench-"))
    series = [Scale(args.base * factor, args.probes, args.months) for factor in (1, 2, 4)]
    series[-1].services = args.services
    print(f"Machine: {os.cpu_count()} cores, {memory_gb():.0f} GB; work folder {workdir}")
    try:
        for scale in series:
            folder = workdir / f"s{scale.services}"
            measure_scale(scale, folder, args.format)
            print_scale(scale)
        largest = series[-1]
        folder = workdir / f"s{largest.services}"
        check_agreement(largest, folder)
        one_day = measure_one_day(largest, folder, args.format)
        one_day["publish"] = measure_publish(largest, folder)
        render_ms = measure_render(folder)
        sizes = folder_sizes(folder)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print_summary(series, one_day, render_ms, sizes)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=200, help="services at 4x")
    parser.add_argument("--probes", type=int, default=2)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--base", type=int, help="services at 1x (default: services / 4)")
    parser.add_argument("--format", choices=("parquet", "csv.gz"), default="parquet")
    parser.add_argument("--workdir", help="keep the data here (default: a deleted temp dir)")
    args = parser.parse_args()
    args.base = args.base or max(1, args.services // 4)
    return args


# --- measuring ------------------------------------------------------------------------


def measure_scale(scale: Scale, folder: Path, file_format: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    scale.rows = write_scaled_sample(
        folder / "landing", folder / "reference", scale.services, scale.probes,
        scale.months, file_format,
    )  # fmt: skip
    runs, floors = [], []
    for _ in range(RUNS):
        empty_warehouse(folder)
        run = run_measured([str(BIN / "driftsstatus"), "run"], environment(folder))
        if "Run succeeded." not in run.output:
            raise SystemExit(f"the pipeline run failed:\n{run.output}")
        runs.append(run)
        floors.append(run_floor(folder, file_format))
    scale.pipeline, scale.floor = fastest(runs), fastest(floors)
    scale.runs, scale.floors = [m.seconds for m in runs], [m.seconds for m in floors]
    scale.steps = step_times(scale.pipeline.output)
    scale.floor_load_seconds = floor_load(folder, file_format)


# What a run's state is not: the data it reads.
STATE_LEFT_OUT = ("landing", "reference")


def empty_warehouse(folder: Path) -> None:
    """Everything of a run gone but the landing and reference folders (the warehouse, its
    raw store and serving copy, the Dagster instance, dbt's saved parse of it): the next
    run starts as the first did."""
    dbt_env = load_settings(environment(folder)).dbt_env()
    shutil.rmtree(warehouse_target_path(dbt_env), ignore_errors=True)
    clear_state(folder)


def clear_state(folder: Path) -> None:
    """The run's files in `folder` gone: all but the landing and reference folders."""
    for entry in folder.iterdir():
        if entry.name in STATE_LEFT_OUT:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def fastest(measured: list[Measured]) -> Measured:
    """The fastest run, with the largest peak memory of them all."""
    best = min(measured, key=lambda m: m.seconds)
    return Measured(best.seconds, max(m.peak_mb for m in measured), best.output)


def environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    return env | {
        "DRIFTSSTATUS_LANDING_DIR": str(folder / "landing"),
        "DRIFTSSTATUS_WAREHOUSE": str(folder / "warehouse.duckdb"),
        "DRIFTSSTATUS_REFERENCE_DIR": str(folder / "reference"),
    }


def run_measured(command: list[str], env: dict[str, str]) -> Measured:
    """Run a command to its end; its wall time and the peak RSS of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = PeakMemory(process.pid)
    peak.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    peak.stop()
    return Measured(seconds, peak.mb, output)


class PeakMemory(threading.Thread):
    """The largest sum of RSS over a process and its descendants, sampled every 0.1 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.mb, self._done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.1):
            self.mb = max(self.mb, tree_rss_mb(self.pid))

    def stop(self) -> None:
        self._done.set()
        self.join()


def tree_rss_mb(root: int) -> float:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue  # gone meanwhile
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        rss[int(entry.name)] = int(found[1]) if found else 0
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(rss.get(pid, 0) for pid in tree) / 1024


def step_times(output: str) -> dict[str, float]:
    """`Step times: daily_raw_tables 17.5 s, ...` from `driftsstatus run`."""
    line = next(x for x in output.splitlines() if x.startswith("Step times: "))
    return {
        name: float(seconds)
        for name, seconds in re.findall(r"(\S+) ([\d.]+) s", line.removeprefix("Step times: "))
    }


def files_sql(folder: Path, file_format: str) -> str:
    pattern = f"{folder}/landing/probe_checks/*.{file_format}"
    if file_format == "parquet":
        return f"read_parquet('{pattern}')"
    return (
        f"read_csv('{pattern}', header = true, columns = {{'checked_at': 'timestamptz', "
        "'service_id': 'varchar', 'probe_id': 'varchar', 'status': 'varchar', "
        "'response_ms': 'integer'})"
    )


def floor_sql(folder: Path, file_format: str) -> str:
    return (
        FLOOR_SQL.read_text()
        .replace("{checks}", files_sql(folder, file_format))
        .replace("{reference}", str(folder / "reference"))
    )


def run_floor(folder: Path, file_format: str) -> Measured:
    """floor.sql in a process of its own, into floor.duckdb next to the warehouse."""
    database = folder / "floor.duckdb"
    database.unlink(missing_ok=True)
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
        "con.execute('set enable_progress_bar = false'); con.execute(sys.stdin.read())"
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(database)], stdin=subprocess.PIPE, text=True
    )
    peak = PeakMemory(process.pid)
    peak.start()
    process.communicate(floor_sql(folder, file_format))
    seconds = time.perf_counter() - started
    peak.stop()
    if process.returncode:
        raise SystemExit("the floor script failed")
    return Measured(seconds, peak.mb)


def floor_load(folder: Path, file_format: str) -> float:
    """Reading every check of the files once (a count of their rows and minutes): what
    any load must at least do, the floor's load figure."""
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        started = time.perf_counter()
        con.execute(
            f"select count(*), count(distinct epoch(checked_at)::bigint // 60) "
            f"from {files_sql(folder, file_format)}"
        ).fetchall()
        return time.perf_counter() - started


def measure_one_day(scale: Scale, folder: Path, file_format: str) -> dict[str, Measured]:
    """The day after the history lands as one file; the run the nightly schedule makes,
    RUNS times from the same state, the fastest counting."""
    last_start, _ = month_spans(scale.months)[-1]
    day = (last_start + timedelta(days=40)).date().replace(day=1)
    rows = write_day(folder / "landing", scale.services, scale.probes, day, file_format)
    months = f"{day:%Y-%m}..{day:%Y-%m}"
    command = [str(BIN / "driftsstatus"), "run", "--months", months]
    runs = from_one_state(folder, lambda: run_measured(command, environment(folder)))
    for pipeline in runs:
        if "Run succeeded." not in pipeline.output:
            raise SystemExit(f"the one-day run failed:\n{pipeline.output}")
    check_agreement(scale, folder)  # the history is as it was
    pipeline = fastest(runs)
    steps = ", ".join(f"{name} {sec:.1f} s" for name, sec in step_times(pipeline.output).items())
    print(
        f"One day ({day}, {rows:,} checks): pipeline {pipeline.seconds:.1f} s ({steps}); "
        f"the fastest of {', '.join(f'{m.seconds:.1f}' for m in runs)} s"
    )
    return {"pipeline": pipeline, "floor": run_floor(folder, file_format)}


def measure_publish(scale: Scale, folder: Path) -> Measured:
    """`publish --month` of the history's last month, as of the morning after it: a dbt
    build of that month as of the instant, in a scratch copy, then frozen (R14). RUNS
    times from the same state, the fastest counting."""
    last_start = month_spans(scale.months)[-1][0].astimezone(CPH)
    month = f"{last_start:%Y-%m}"
    after = (last_start + timedelta(days=40)).replace(day=1, hour=8)
    command = [str(BIN / "driftsstatus"), "publish", "--month", month, "--as-of"]
    runs = from_one_state(
        folder, lambda: run_measured([*command, after.isoformat()], environment(folder))
    )
    for published in runs:
        if not published.output.startswith(f"Published {month}#1"):
            raise SystemExit(f"the publish failed:\n{published.output}")
    published = fastest(runs)
    print(
        f"Publish {month}: {published.seconds:.1f} s, peak {published.peak_mb:,.0f} MB; "
        f"the fastest of {', '.join(f'{m.seconds:.1f}' for m in runs)} s"
    )
    return published


def from_one_state(folder: Path, measure: Callable[[], Measured]) -> list[Measured]:
    """`measure` RUNS times, each from the state of `folder` as it is now (its warehouse,
    raw store, serving copy and Dagster instance put back between runs; dbt's saved
    parse of the warehouse is as the first run left it, as that run found it); the folder
    is left as the last run left it."""
    kept = folder.parent / f".{folder.name}.state"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(folder, kept, ignore=lambda at, _: STATE_LEFT_OUT if at == str(folder) else ())
    measured = []
    try:
        for run in range(RUNS):
            if run:
                clear_state(folder)
                for entry in kept.iterdir():
                    copy = shutil.copytree if entry.is_dir() else shutil.copy2
                    copy(entry, folder / entry.name)
            measured.append(measure())
    finally:
        shutil.rmtree(kept, ignore_errors=True)
    return measured


def measure_render(folder: Path) -> float:
    """The report page, cold, through AppTest (median of 5), for the latest month."""
    streamlit.config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")
    warehouse = folder / "warehouse.duckdb"
    with duckdb.connect(str(serving_copy_of(warehouse)), read_only=True) as con:
        month = con.execute("select max(month) from marts.fct_monthly_availability").fetchone()[0]
    return median_ms(lambda: run_page(warehouse, month, 2))


# --- agreement -------------------------------------------------------------------------


def check_agreement(scale: Scale, folder: Path) -> None:
    """Pipeline = floor = the scaled sample's known pattern, for every service and month."""
    serving = serving_copy_of(folder / "warehouse.duckdb")
    first, last = month_spans(scale.months)[0][0], month_spans(scale.months)[-1][1]
    with duckdb.connect() as con:
        con.execute(f"attach '{serving}' as pipeline (read_only)")
        con.execute(f"attach '{folder / 'floor.duckdb'}' as floor (read_only)")
        months = f"month between date '{first:%Y-%m-%d}' and date '{last:%Y-%m-%d}'"
        pipeline = rows_by_key(con, f"pipeline.marts.fct_monthly_availability where {months}")
        floor = rows_by_key(con, f"floor.floor_availability where {months}")
    known = {
        (e.service_id, e.month): e for e in expected_availability(scale.services, scale.months)
    }
    problems = []
    if set(pipeline) != set(known) or set(floor) != set(known):
        problems.append(
            f"service-months: pipeline {len(pipeline)}, floor {len(floor)}, pattern {len(known)}"
        )
    for key in sorted(set(pipeline) & set(floor) & set(known)):
        mine, theirs, expected = pipeline[key], floor[key], known[key]
        for name in COMPARED:
            if abs(mine[name] - theirs[name]) > TOLERANCE:
                problems.append(f"{key} {name}: pipeline {mine[name]} floor {theirs[name]}")
        problems += [
            f"{key} {name}: pipeline {mine[name]} floor {theirs[name]}"
            for name in EXACT
            if mine[name] != theirs[name]
        ]
        for name in ("downtime_seconds", "red_seconds", "yellow_seconds", "probe_coverage"):
            if abs(mine[name] - getattr(expected, name)) > TOLERANCE:
                problems.append(f"{key} {name}: pipeline {mine[name]} pattern")
    if problems:
        print("DISAGREEMENT:\n  " + "\n  ".join(problems[:20]))
        raise SystemExit(1)
    print(f"Agreement: {len(known):,} service-months, pipeline = floor = known pattern")


def rows_by_key(con: duckdb.DuckDBPyConnection, relation: str) -> dict[tuple, dict]:
    columns = ("service_id", "month", *COMPARED, *EXACT)
    rows = con.execute(f"select {', '.join(columns)} from {relation}").fetchall()
    return {(row[0], row[1]): dict(zip(columns, row, strict=True)) for row in rows}


# --- output ----------------------------------------------------------------------------


def print_scale(scale: Scale) -> None:
    print(
        f"{scale.label} ({scale.rows:,} checks): run {scale.pipeline.seconds:.1f} s "
        f"(load {scale.load_seconds:.1f} s, GX {scale.gx_seconds:.1f} s, "
        f"build {scale.build_seconds:.1f} s), "
        f"peak {scale.pipeline.peak_mb:,.0f} MB; floor {scale.floor.seconds:.1f} s, "
        f"peak {scale.floor.peak_mb:,.0f} MB; the fastest of runs "
        f"{', '.join(f'{s:.1f}' for s in scale.runs)} s and floors "
        f"{', '.join(f'{s:.1f}' for s in scale.floors)} s"
    )


def exponent(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log(seconds) against log(rows)."""
    xs = [math.log(rows) for rows, _ in points]
    ys = [math.log(seconds) for _, seconds in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )


def folder_sizes(folder: Path) -> dict[str, float]:
    """MB of the warehouse file, its serving copy, its raw store and the landing folder."""
    warehouse = folder / "warehouse.duckdb"

    def mb(path: Path) -> float:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        return sum(p.stat().st_size for p in files) / 1e6

    return {
        "warehouse": mb(warehouse),
        "serving": mb(serving_copy_of(warehouse)),
        "store": mb(warehouse.with_name(warehouse.stem + ".raw")),
        "landing": mb(folder / "landing"),
    }


def print_summary(
    series: list[Scale], one_day: dict[str, Measured], render_ms: float, sizes: dict
) -> None:
    scale = series[-1]
    pipeline, floor = scale.pipeline, scale.floor
    day, floor_day, published = one_day["pipeline"], one_day["floor"], one_day["publish"]
    month_build = step_times(day.output)["report_facts"]
    rows = [
        ("load throughput (rows/s)", f"{scale.rows / scale.load_seconds:,.0f}",
         f"{scale.rows / scale.floor_load_seconds:,.0f}"),
        ("full build (s)", f"{scale.build_seconds:.1f}", f"{floor.seconds:.1f}"),
        ("  whole run: load + GX + build (s)", f"{pipeline.seconds:.1f}", f"{floor.seconds:.1f}"),
        ("  of which GX checks (s)", f"{scale.gx_seconds:.1f}", "-"),
        ("one-day run (s)", f"{day.seconds:.1f}", f"{floor_day.seconds:.1f}"),
        ("  of which its one-month build (s)", f"{month_build:.1f}", "-"),
        ("publish --month (s)", f"{published.seconds:.1f}", "-"),
        ("peak memory, whole run (MB)", f"{pipeline.peak_mb:,.0f}", f"{floor.peak_mb:,.0f}"),
        ("report render (s)", f"{render_ms / 1000:.2f}", "-"),
        ("warehouse file (MB)", f"{sizes['warehouse']:,.1f}", "-"),
        ("serving copy (MB)", f"{sizes['serving']:,.1f}", "-"),
        ("raw store, kept Parquet (MB)", f"{sizes['store']:,.1f}",
         f"{sizes['landing']:,.1f}"),
    ]  # fmt: skip
    print(f"\nAt {scale.label} ({scale.rows:,} checks):")
    print(f"  {'':<36}{'pipeline':>14}{'floor':>14}")
    for name, mine, theirs in rows:
        print(f"  {name:<36}{mine:>14}{theirs:>14}")
    print(
        f"Scaling over {', '.join(s.label for s in series)}: fitted exponent of time "
        f"against rows: build {exponent([(s.rows, s.build_seconds) for s in series]):.2f}, "
        f"whole run {exponent([(s.rows, s.pipeline.seconds) for s in series]):.2f}, "
        f"load {exponent([(s.rows, s.load_seconds) for s in series]):.2f}, "
        f"floor {exponent([(s.rows, s.floor.seconds) for s in series]):.2f}"
    )
    print(f"publish/one-month build: {published.seconds / month_build:.2f}")
    print(f"build/floor: {scale.build_seconds / floor.seconds:.2f}")
    print(f"pipeline/floor: {pipeline.seconds / floor.seconds:.2f}")


def memory_gb() -> float:
    found = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    return int(found[1]) / 1024**2 if found else float("nan")


if __name__ == "__main__":
    main()
