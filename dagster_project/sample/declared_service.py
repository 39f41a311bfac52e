"""`driftsstatus sample --declarations`: the report's sample plus one system declared
beyond availability (issue 17), NemLog-in. The feeds name it `nemlog`; its reference
folder (the seeds' ten services, as the data contract has them, plus its rows) declares
it as two service-time classes of Støttesystemerne, weekdays 08:00-16:30 without the
public holidays and Grundlovsdag, and evenings and weekends, with a recurring monthly
service window, a response-time target and contract terms.

Its probe checks are written minute by minute from a handful of events in Copenhagen
wall-clock time, so that every figure they lead to can be worked out by hand
(tests/test_sample_declarations.py does): one probe, every check `up` in UP_MS, except
what the events say.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.sample import check_reference_folder
from dagster_project.sample import scenario as sc
from dagster_project.settings import DEFAULT_REFERENCE_DIR

SERVICE_ID = "nemlog"
PROBE_ID = "cph-1"
UP_MS = 120


@dataclass(frozen=True)
class Event:
    """From `starts` to `ends` (local, minutes), every check is `status` in `response_ms`."""

    starts: str
    ends: str
    status: str
    response_ms: int | None = None


EVENTS = (
    # Store Bededag, still a public holiday in 2023: outside both classes' hours.
    Event("2023-05-05 10:00", "2023-05-05 12:00", "down"),
    # Tuesday: five hours of the weekday class.
    Event("2024-01-09 09:00", "2024-01-09 14:00", "down"),
    # Saturday evening: ninety minutes degraded in the evening and weekend class.
    Event("2024-01-13 20:00", "2024-01-13 21:30", "degraded", 1500),
    # Inside the monthly service window (third Thursday from 18:00): planned (R3).
    Event("2024-01-18 18:30", "2024-01-18 19:30", "down"),
    # A weekday night: in neither class.
    Event("2024-01-24 03:00", "2024-01-24 04:00", "down"),
    # Up, but slow: six hours over the 500 ms threshold.
    Event("2024-01-25 09:00", "2024-01-25 15:00", "up", 800),
)


HOURS = "08:00:00,16:30:00,public+Grundlovsdag", "16:30:00,00:00:00,"
# Rows added to the seeds' reference tables (services gains its measured_as column).
REFERENCE_ROWS = {
    "services": [
        "nemlog_hverdage,stoettesystemer,NemLog-in,applikation,"
        "NemLog-in - hverdage 08:00-16:30,11,,1.0,nemlog",
        "nemlog_aften,stoettesystemer,NemLog-in,applikation,"
        "NemLog-in - aften og weekend,12,,1.0,nemlog",
    ],
    "sla_targets": ["nemlog_hverdage,98.50,2023-01-01,", "nemlog_aften,98.50,2023-01-01,"],
    "service_hours": [
        *(f"nemlog_hverdage,{day},{HOURS[0]}" for day in range(1, 6)),
        *(f"nemlog_aften,{day},{HOURS[1]}" for day in range(1, 6)),
        *(f"nemlog_aften,{day},00:00:00,00:00:00," for day in (6, 7)),
    ],
    "response_targets": ["nemlog_hverdage,99.00,500,2023-01-01,"],
    "contract_terms": [
        "nemlog_hverdage,250000.00,0.50,5.00,30.00,2023-01-01,",
        "nemlog_aften,100000.00,0.50,5.00,30.00,2023-01-01,",
    ],
    # Announced for two hours, changed later to three: from then on only.
    "recurring_windows": [
        "nemlog-vindue,nemlog,FREQ=MONTHLY;BYDAY=+3TH,2023-01-19T18:00:00,120,"
        "2023-01-15T12:00:00+01:00,Månedligt servicevindue",
        "nemlog-vindue,nemlog,FREQ=MONTHLY;BYDAY=+3TH,2023-01-19T18:00:00,180,"
        "2023-11-20T12:00:00+01:00,Månedligt servicevindue (forlænget til tre timer)",
    ],
}


def write_declared_reference(reference: Path) -> None:
    """The seeds' reference tables with NemLog-in's rows, written to `reference` (its
    other files are left alone)."""
    check_reference_folder(reference)
    reference.mkdir(parents=True, exist_ok=True)
    for seed in DEFAULT_REFERENCE_DIR.glob("*.csv"):
        with seed.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        if seed.stem == "services":
            rows = [[*rows[0], "measured_as"], *([*row, ""] for row in rows[1:])]
        rows += csv.reader(REFERENCE_ROWS.get(seed.stem, []))
        with (reference / seed.name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)


def write_declared_service(out: Path) -> None:
    """probe_checks/nemlog-<month>.csv.gz for every month of the sample year."""
    folder = out / "probe_checks"
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        "create table events (starts_at timestamptz, ends_at timestamptz, "
        "status varchar, response_ms integer)"
    )
    con.executemany(
        "insert into events values (?, ?, ?, ?)",
        [(sc.local(e.starts), sc.local(e.ends), e.status, e.response_ms) for e in EVENTS],
    )
    for month in sc.MONTHS:
        start = sc.local(f"{month}-01 00:00")
        end = sc.local(f"{sc.next_month(month)}-01 00:00")
        target = str(folder / f"{SERVICE_ID}-{month}.csv.gz").replace("'", "''")
        con.execute(
            f"""
            copy (
                select
                    strftime(minute, '%Y-%m-%dT%H:%M:%SZ') as checked_at,
                    '{SERVICE_ID}' as service_id,
                    '{PROBE_ID}' as probe_id,
                    coalesce(events.status, 'up') as status,
                    case
                        when events.status = 'down' then null
                        else coalesce(events.response_ms, {UP_MS})
                    end as response_ms
                from (
                    select unnest(range($start, $end, interval 1 minute)) + interval 5 second
                        as minute
                ) as minutes
                left join events
                    on minutes.minute >= events.starts_at and minutes.minute < events.ends_at
                order by minute
            ) to '{target}' (header, compression gzip)
            """,
            {"start": start, "end": end},
        )
    con.close()
