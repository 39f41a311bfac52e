"""A scaled sample for benchmarks: N services x P probes x M months of minute checks.

DuckDB writes the checks straight from a generating query to one file per month
(Parquet or CSV.gz), so Python never holds the rows. Every service follows a
fixed daily pattern (`Pattern`), so the figures of every service and month are
known in closed form (`expected_availability`) at any scale.

The services are not the report's ten: the scaled sample writes its own reference
data (the dbt seeds) next to the landing folder; point DRIFTSSTATUS_REFERENCE_DIR
at it.
"""

from __future__ import annotations

import csv
import itertools
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb

from dagster_project.sample import check_reference_folder
from dagster_project.sample.scenario import CPH
from dagster_project.settings import DBT_PROJECT_DIR

FIRST_MONTH = date(2024, 1, 1)
FORMATS = ("parquet", "csv.gz")
# Extra probes per service beyond two are silent spares: seconds past the minute.
SECOND_OF_PROBE = (7, 23, 41, 53)
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class Pattern:
    """What service number `index` (0-based) does every UTC day, in minutes of the day.

    All runs lie between 00:30 and 21:00 UTC, inside one Copenhagen day, so every
    local day of a month holds exactly one of each.
    """

    index: int

    @property
    def service_id(self) -> str:
        return f"svc{self.index + 1:04d}"

    @property
    def down(self) -> tuple[int, int]:
        """All probes down: red, impact 1.0."""
        return self._run(60 + self.index * 37 % 600, self.index % 7)

    @property
    def degraded(self) -> tuple[int, int]:
        """All probes degraded: yellow, impact `degraded_impact`."""
        return self._run(700 + self.index * 13 % 300, self.index % 5)

    @property
    def silent(self) -> tuple[int, int]:
        """No probe reports: unknown minutes, lower coverage, no downtime."""
        return self._run(1100 + self.index % 100, self.index % 3)

    @property
    def degraded_impact(self) -> float:
        return 0.5 if self.index % 4 == 3 else 1.0

    @property
    def target_pct(self) -> float:
        return 99.9 if self.index % 2 == 0 else 99.5

    # One probe alone says down at 00:30-00:32 UTC: a minority, never downtime (R4).
    lone_probe_down = (30, 32)

    @staticmethod
    def _run(start: int, minutes: int) -> tuple[int, int]:
        return start, start + minutes


def month_spans(months: int) -> list[tuple[datetime, datetime]]:
    """[start, end) in UTC of each of the Copenhagen months from FIRST_MONTH on."""
    starts = []
    for offset in range(months + 1):
        year, month = divmod(FIRST_MONTH.month - 1 + offset, 12)
        local = datetime(FIRST_MONTH.year + year, month + 1, 1, tzinfo=CPH)
        starts.append(local.astimezone(UTC))
    return list(itertools.pairwise(starts))


def write_scaled_sample(
    out: Path, reference: Path, services: int, probes: int, months: int, file_format: str
) -> int:
    """Write probe checks to out/probe_checks/ and the reference data to `reference`.

    Returns the number of checks written.
    """
    if file_format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}: {file_format!r}")
    if not 1 <= probes <= len(SECOND_OF_PROBE):
        raise ValueError(f"probes must be 1 to {len(SECOND_OF_PROBE)}: {probes}")
    patterns = [Pattern(i) for i in range(services)]
    _write_reference(reference, patterns)
    folder = out / "probe_checks"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    written = 0
    with duckdb.connect() as con:
        _pattern_tables(con, patterns, probes)
        for start, end in month_spans(months):
            target = folder / f"probe_checks-{start.astimezone(CPH):%Y-%m}.{file_format}"
            written += _write_checks(con, target, start, end, probes > 1)
    return written


def write_day(out: Path, services: int, probes: int, day: date, file_format: str) -> int:
    """One more Copenhagen day of checks for every service, as its own file: a daily drop."""
    start, end = (
        datetime.combine(d, time(), tzinfo=CPH).astimezone(UTC)
        for d in (day, day + timedelta(days=1))
    )
    target = out / "probe_checks" / f"probe_checks-{day:%Y-%m-%d}.{file_format}"
    with duckdb.connect() as con:
        _pattern_tables(con, [Pattern(i) for i in range(services)], probes)
        return _write_checks(con, target, start, end, probes > 1)


def _write_checks(
    con: duckdb.DuckDBPyConnection, target: Path, start: datetime, end: datetime, lone: bool
) -> int:
    """The checks of [start, end), every service and probe, streamed to `target`."""
    parquet = target.name.endswith(".parquet")
    instant = "to_timestamp(m * 60 + second)"
    checked_at = instant if parquet else f"strftime({instant}, '%Y-%m-%dT%H:%M:%SZ')"
    lone_from, lone_to = Pattern.lone_probe_down
    rows = f"""
        select
            {checked_at} as checked_at,
            pattern.service_id,
            'p' || (probes.probe + 1) as probe_id,
            case
                when minute_of_day >= down_from and minute_of_day < down_to then 'down'
                when minute_of_day >= degraded_from and minute_of_day < degraded_to
                    then 'degraded'
                when {lone} and probes.probe = 0
                    and minute_of_day >= {lone_from} and minute_of_day < {lone_to} then 'down'
                else 'up'
            end as status,
            cast(100 + (m * 7 + pattern.n * 13 + probes.probe * 5) % 400 as integer)
                as response_ms
        from (
            select m, m % {MINUTES_PER_DAY} as minute_of_day
            from range({int(start.timestamp()) // 60}, {int(end.timestamp()) // 60}) as t(m)
        ) as minutes
        cross join pattern
        cross join probes
        where not (minute_of_day >= silent_from and minute_of_day < silent_to)
    """
    options = (
        "format parquet, compression zstd, row_group_size 1000000"
        if parquet
        else "format csv, header true, compression gzip"
    )
    quoted = str(target).replace("'", "''")
    return con.execute(f"copy ({rows}) to '{quoted}' ({options})").fetchone()[0]


def _pattern_tables(con: duckdb.DuckDBPyConnection, patterns: list[Pattern], probes: int) -> None:
    """Tables `pattern` (one row per service) and `probes` that _write_checks reads."""
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        "create table pattern (service_id varchar, n integer, down_from integer, "
        "down_to integer, degraded_from integer, degraded_to integer, silent_from integer, "
        "silent_to integer)"
    )
    con.executemany(
        "insert into pattern values (?, ?, ?, ?, ?, ?, ?, ?)",
        [(p.service_id, p.index, *p.down, *p.degraded, *p.silent) for p in patterns],
    )
    con.execute(
        "create table probes as select probe, second from (values "
        + ", ".join(f"({i}, {s})" for i, s in enumerate(SECOND_OF_PROBE[:probes]))
        + ") t(probe, second)"
    )


def _write_reference(reference: Path, patterns: list[Pattern]) -> None:
    """The dbt seeds of the scaled sample: half the services in each area, 24x7."""
    check_reference_folder(reference)
    reference.mkdir(parents=True, exist_ok=True)
    for name in ("areas.csv", "service_hours.csv"):
        shutil.copyfile(DBT_PROJECT_DIR / "seeds" / name, reference / name)
    half = (len(patterns) + 1) // 2
    services = [
        {
            "service_id": p.service_id,
            "area": "stoettesystemer" if p.index < half else "serviceplatformen",
            "system": f"S{p.index // 2 + 1:03d}",
            "layer": ("applikation", "infrastruktur")[p.index % 2],
            "label": f"S{p.index // 2 + 1:03d} - {('applikation', 'infrastruktur')[p.index % 2]}",
            "sort_order": p.index + 1,
            "environment": "" if p.index < half else ("m1", "m2")[p.index % 2],
            "degraded_impact": p.degraded_impact,
        }
        for p in patterns
    ]
    targets = [
        {"service_id": p.service_id, "target_pct": f"{p.target_pct:.2f}",
         "valid_from": "2020-01-01", "valid_to": ""}
        for p in patterns
    ]  # fmt: skip
    for name, rows in (("services.csv", services), ("sla_targets.csv", targets)):
        with (reference / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


@dataclass(frozen=True)
class ExpectedMonth:
    service_id: str
    month: date
    service_seconds: float
    downtime_seconds: float
    red_seconds: float
    yellow_seconds: float
    probe_coverage: float
    availability_pct: float


def expected_availability(services: int, months: int) -> list[ExpectedMonth]:
    """The figures every service and month must show (R4-R8), from the pattern alone."""
    expected = []
    for start, end in month_spans(months):
        seconds = (end - start).total_seconds()
        local = start.astimezone(CPH)
        days = (end.astimezone(CPH).date() - local.date()).days
        for pattern in (Pattern(i) for i in range(services)):
            red = days * 60 * _length(pattern.down)
            yellow = days * 60 * _length(pattern.degraded)
            downtime = red + yellow * pattern.degraded_impact
            expected.append(
                ExpectedMonth(
                    service_id=pattern.service_id,
                    month=local.date(),
                    service_seconds=seconds,
                    downtime_seconds=downtime,
                    red_seconds=red,
                    yellow_seconds=yellow,
                    probe_coverage=1 - days * 60 * _length(pattern.silent) / seconds,
                    availability_pct=100 * (1 - downtime / seconds),
                )
            )
    return expected


def _length(run: tuple[int, int]) -> int:
    return run[1] - run[0]
