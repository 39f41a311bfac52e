"""Random landing and reference data, the same for a seed, for the rules' oracle
(tests/rules_oracle.py).

Ten services (the report's ids, numbered per area, one without a target before May) with
random degraded impacts (some left empty: the contract's default) and targets that change
on a month's first day or in its middle, response-time targets and contract terms on
some, service hours on four (one across both DST changes of 2024, one bounded inside their
night hour, one through the nights with hours that overlap them and run to 24:00, two
closed on holidays), planned, late and shared windows, recurring windows declared in the
reference data (RECURRING), a system reported as two service-time classes, incident
versions (cancelled, open at T, recorded after T, red with an impact given, yellow with
and without one), and one to six probes per service that disagree, with checks landed
twice in a minute, written with random UTC offsets, from the first local minute of
February 2024 to after T (November 2024), in CSV, CSV.gz and Parquet. Every row keeps the
contract: nothing is rejected.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import random
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from tests.rules_oracle import COPENHAGEN, EPOCH, MINUTE, SECOND, Scenario, to_us

DBT_SEEDS = Path(__file__).resolve().parent.parent / "dbt" / "seeds"
AS_OF = datetime(2024, 11, 13, 14, 27, 31, 250000, tzinfo=COPENHAGEN)
START = to_us(datetime(2024, 2, 1, tzinfo=COPENHAGEN))  # the first check lands here
END = to_us(datetime(2024, 12, 6, tzinfo=COPENHAGEN))  # checks after T, into December
# Where the rules turn: both DST changes, a month's start (and T: _turns).
TURNS = [
    to_us(datetime(2024, 3, 31, 0, 40, tzinfo=UTC)),
    to_us(datetime(2024, 10, 27, 0, 20, tzinfo=UTC)),
    to_us(datetime(2024, 5, 31, 21, 30, tzinfo=UTC)),
]
OFFSETS = [
    timedelta(0),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=-3),
    timedelta(hours=5, minutes=30),
]
# (ISO weekday, start_local, end_local, closed_on) per service; the others are 24x7.
SERVICE_HOURS = {
    "bf_infra": [(day, "07:00", "17:30", "public+Grundlovsdag") for day in range(1, 6)],
    # Sunday's stretches hold a DST change's night hour on both sides.
    "adgang_app": [
        (day, start, end, "")
        for day in range(1, 8)
        for start, end in (("00:30", "01:45"), ("03:00", "23:00"))
    ],
    # Weekends, and Sunday nights bounded inside the DST nights' hour: 02:30 that never
    # came (winter time), and the first of the two that did.
    "sdy_app": [
        *((day, "06:00", "22:00", "") for day in (6, 7)),
        (7, "02:30", "05:00", ""),
        (7, "01:00", "02:15", ""),
    ],
    # Nights into the next morning (none on a public holiday's night), with hours that
    # overlap them (Tuesday's early shift, Friday's evening to midnight, open on holidays).
    "ko_infra": [
        *((day, "20:00", "06:00", "public") for day in range(1, 6)),
        (2, "05:00", "09:00", ""),
        (5, "18:00", "24:00", ""),
    ],
}
# Recurring windows (the README's), declared in the reference data: the third Thursday
# at 18:00 from February, announced after the first, at 22:00 from a change announced
# between two; Sunday nights at 02:30 on a service of each area through both DST nights,
# with a change announced after T (which does not exist as of T).
RECURRING = [
    ("W-PATCH", "adgang_infra", "FREQ=MONTHLY;BYDAY=+3TH", "2024-02-15T18:00:00", "120",
     "2024-03-01T09:00:00+01:00"),
    ("W-PATCH", "adgang_infra", "FREQ=MONTHLY;BYDAY=+3TH", "2024-06-20T22:00:00", "90",
     "2024-06-25T12:00:00+02:00"),
    ("W-NIGHT", "sdy_app", "FREQ=WEEKLY;BYDAY=SU", "2024-03-03T02:30:00", "45",
     "2024-02-20T10:00:00Z"),
    ("W-NIGHT", "sp_m2", "FREQ=WEEKLY;BYDAY=SU", "2024-03-03T02:30:00", "45",
     "2024-02-20T10:00:00Z"),
    ("W-NIGHT", "sp_m2", "FREQ=WEEKLY;BYDAY=SU", "2024-11-24T04:00:00", "30",
     "2024-11-20T00:00:00Z"),
]  # fmt: skip
RECURRING_COLUMNS = (
    "window_id", "service_id", "rrule", "starts_local", "duration_minutes", "announced_at",
    "description",
)  # fmt: skip
TARGETS = ["99.00", "99.50", "99.80", "99.90", "99.95", "100.00"]
UNTARGETED, TARGETED_FROM = "sdy_infra", "2024-05-01"


def _turns(as_of: int) -> list[int]:
    return [*TURNS, as_of - 25 * MINUTE]


def random_scenario(seed: int, as_of: datetime = AS_OF) -> Scenario:
    rng = random.Random(seed)
    at = to_us(as_of)
    services = _services(rng)
    ids = [s["service_id"] for s in services]
    scenario = Scenario(
        as_of=as_of,
        services=services,
        targets=[row for sid in ids for row in _targets(rng, sid)],
        hours=[
            {
                "service_id": sid,
                "iso_weekday": str(day),
                "start_local": a,
                "end_local": b,
                "closed_on": closed_on,
            }
            for sid, rows in SERVICE_HOURS.items()
            for day, a, b, closed_on in rows
        ],
        windows=_windows(rng, ids, at),
        incidents=_incidents(rng, ids, at),
        checks=_checks(rng, ids, at),
        changes=_changes(rng, at),
        calls=_calls(rng, at),
        # From a stream of their own: the data above stays as it was without them.
        **_declarations(random.Random(f"{seed}-declarations"), ids),
        recurring_windows=[
            dict(zip(RECURRING_COLUMNS, [*row, "Recurring"], strict=True)) for row in RECURRING
        ],
    )
    return _with_classes(scenario, random.Random(f"{seed}-classes"), at)


def _with_classes(scenario: Scenario, rng: random.Random, as_of: int) -> Scenario:
    """A system the feeds name `nemlog`, reported as two service-time classes (the
    README's `measured_as`): weekdays 08:00-16:30 closed on public holidays, and the
    weekend. Checks name the system; an incident names the system, another a class and a
    service; a window the system, a late one a class."""
    classes = [
        {**scenario.services[0], "service_id": sid, "label": label, "system": "NemLog-in",
         "sort_order": str(order), "degraded_impact": impact, "measured_as": "nemlog"}
        for sid, label, order, impact in (
            ("nemlog_weekdays", "NemLog-in - hverdage 08:00-16:30", 9, "0.5"),
            ("nemlog_weekend", "NemLog-in - weekend", 10, ""),
        )
    ]  # fmt: skip
    hours = [
        *({"service_id": "nemlog_weekdays", "iso_weekday": str(day), "start_local": "08:00",
           "end_local": "16:30", "closed_on": "public"} for day in range(1, 6)),
        *({"service_id": "nemlog_weekend", "iso_weekday": str(day), "start_local": "00:00",
           "end_local": "00:00", "closed_on": ""} for day in (6, 7)),
    ]  # fmt: skip
    targets = [
        {"service_id": sid, "target_pct": target, "valid_from": "2020-01-01", "valid_to": ""}
        for sid, target in (("nemlog_weekdays", "98.50"), ("nemlog_weekend", "99.00"))
    ]
    incidents = [
        _incident("INC-NL1", ["nemlog"], "red", "2024-03-12T10:00:00Z", "2024-03-12T11:30:00Z"),
        {**_incident("INC-NL2", ["nemlog_weekend", "ko_app"], "yellow", "2024-04-13T08:00:00Z",
                     "2024-04-14T20:00:00Z"), "impact": 0.5},
    ]  # fmt: skip
    windows = [
        _window("W-NL1", "nemlog", "2024-05-04T06:00:00Z", "2024-05-04T10:00:00Z",
                "2024-05-01T00:00:00Z"),
        _window("W-NL2", "nemlog_weekdays", "2024-06-11T09:00:00Z", "2024-06-11T10:00:00Z",
                "2024-06-11T09:30:00Z"),
    ]  # fmt: skip
    return dataclasses.replace(
        scenario,
        services=scenario.services + classes,
        targets=scenario.targets + targets,
        hours=scenario.hours + hours,
        incidents=scenario.incidents + incidents,
        windows=scenario.windows + windows,
        # Probes check the system: a class's own checks would be voted apart from the
        # system's, and two votes for one row stop the build (README, service-time classes).
        checks=scenario.checks + _checks(rng, ["nemlog"], as_of),
    )


def _incident(incident_id: str, services: list[str], severity: str, start: str, end: str):
    return {
        "incident_id": incident_id, "recorded_at": start, "service_ids": services,
        "severity": severity, "started_at": start, "ended_at": end, "status": "resolved",
        "service_code": "SF1600", "title": incident_id, "description": "Classes",
        "cause": None, "resolution": None,
    }  # fmt: skip


def _window(window_id: str, service_id: str, start: str, end: str, announced: str) -> dict:
    return {
        "window_id": window_id, "service_id": service_id, "starts_at": start, "ends_at": end,
        "announced_at": announced, "description": "Classes",
    }  # fmt: skip


def write_scenario(scenario: Scenario, folder: Path, seed: int) -> tuple[Path, Path]:
    """The scenario as a landing folder and a reference folder under `folder`."""
    rng = random.Random(seed)
    landing, reference = folder / "landing", folder / "reference"
    for source in ("probe_checks", "incidents", "service_windows", "changes", "service_calls"):
        (landing / source).mkdir(parents=True)
    shutil.copytree(DBT_SEEDS, reference, ignore=shutil.ignore_patterns("*.yml"))
    _write_csv(reference / "services.csv", scenario.services)
    _write_csv(reference / "sla_targets.csv", scenario.targets)
    _write_csv(reference / "service_hours.csv", scenario.hours)
    _write_csv(reference / "response_targets.csv", scenario.response_targets)
    _write_csv(reference / "contract_terms.csv", scenario.contract_terms)
    _write_csv(reference / "recurring_windows.csv", scenario.recurring_windows)
    _write_csv(landing / "service_windows" / "windows.csv", scenario.windows)
    with (landing / "incidents" / "register.jsonl").open("w", encoding="utf-8") as out:
        for version in scenario.incidents:
            out.write(json.dumps(version, ensure_ascii=False) + "\n")
    _write_csv(landing / "changes" / "changes.csv", scenario.changes)
    # A change sent again in another file is the same change (R12 counts it once).
    _write_csv(landing / "changes" / "resent.csv", scenario.changes[:3])
    _write_csv(landing / "service_calls" / "calls.csv", scenario.calls)
    checks = list(scenario.checks)
    rng.shuffle(checks)
    third = len(checks) // 3
    _write_csv(landing / "probe_checks" / "a.csv", checks[:third])
    with gzip.open(landing / "probe_checks" / "b.csv.gz", "wt", encoding="utf-8", newline="") as f:
        _write_rows(f, checks[third : 2 * third])
    _write_parquet(landing / "probe_checks" / "c.parquet", checks[2 * third :])
    return landing, reference


def written(instant_us: int, rng: random.Random, offsets: list[timedelta] = OFFSETS) -> str:
    """An instant as ISO 8601 in one of `offsets` (R1), microseconds when it has any."""
    moment = (EPOCH + timedelta(microseconds=instant_us)).astimezone(timezone(rng.choice(offsets)))
    return moment.isoformat().replace("+00:00", "Z")


def _services(rng: random.Random) -> list[dict]:
    with (DBT_SEEDS / "services.csv").open(encoding="utf-8") as f:
        services = list(csv.DictReader(f))
    numbered: dict[str, int] = {}
    for n, service in enumerate(services):
        # Each area's rows numbered from 1, as a reference folder may number them.
        numbered[service["area"]] = numbered.get(service["area"], 0) + 1
        service["sort_order"] = str(numbered[service["area"]])
        service["measured_as"] = ""
        impact = rng.choice(["1.0", "0.5", "0.25", "0.8"])
        # Every other 1.0 left out: the contract's default.
        service["degraded_impact"] = "" if impact == "1.0" and n % 2 == 0 else impact
    return services


def _targets(rng: random.Random, service_id: str) -> list[dict]:
    first = rng.choice(TARGETS)
    rows = [
        {"service_id": service_id, "target_pct": first if n == 0 else rng.choice(TARGETS),
         "valid_from": valid_from, "valid_to": valid_to}
        for n, (valid_from, valid_to) in enumerate(_validity(rng))
    ]  # fmt: skip
    if service_id == UNTARGETED:
        # Held to a target from May only: its cells before have figures and no verdict.
        rows = [row for row in rows if not row["valid_to"] or row["valid_to"] >= TARGETED_FROM]
        rows[0]["valid_from"] = max(rows[0]["valid_from"], TARGETED_FROM)
    return rows


def _validity(rng: random.Random) -> list[tuple[str, str]]:
    """One row's validity from 2020, or two rows': the second from a month's first day, or
    its 15th in even months (in force from the next month on: R9)."""
    if rng.random() < 0.5:
        return [("2020-01-01", "")]
    month = rng.randint(3, 11)
    change = date(2024, month, 15 if month % 2 == 0 else 1)
    return [("2020-01-01", (change - timedelta(days=1)).isoformat()), (change.isoformat(), "")]


def _declarations(rng: random.Random, ids: list[str]) -> dict[str, list[dict]]:
    """Response-time targets and contract terms (penalties) of some services."""
    return {
        kind: [
            {"service_id": service_id, **make(rng), "valid_from": valid_from,
             "valid_to": valid_to}
            for service_id in rng.sample(ids, 5)
            for valid_from, valid_to in _validity(rng)
        ]
        for kind, make in (("response_targets", _response_target), ("contract_terms", _terms))
    }  # fmt: skip


def _response_target(rng: random.Random) -> dict:
    return {
        "fractile_pct": rng.choice(["50.00", "90.00", "95.00", "99.00"]),
        "threshold_ms": str(rng.choice([500, 1000, 2500, 4500])),
    }


def _terms(rng: random.Random) -> dict:
    return {
        "monthly_fee": rng.choice(["100000.00", "250000.50", "33333.33"]),
        "step_pct": rng.choice(["0.10", "0.25", "0.50"]),
        "share_per_step_pct": rng.choice(["1.00", "2.50", "5.00"]),
        "cap_pct": rng.choice(["10.00", "20.00", "30.00"]),
    }


def _windows(rng: random.Random, ids: list[str], as_of: int) -> list[dict]:
    # A planned window over a whole month: no agreed service time left (R8: n/a).
    june, july = (to_us(datetime(2024, m, 1, tzinfo=COPENHAGEN)) for m in (6, 7))
    rows = [
        {
            "window_id": "W0",
            "service_id": rng.choice(ids),
            "starts_at": written(june - MINUTE, rng),
            "ends_at": written(july, rng),
            "announced_at": written(june - 86400 * SECOND, rng),
            "description": "Closed for June",
        }
    ]
    for number in range(1, 31):
        start = rng.randrange(START, as_of + 3 * 86400 * SECOND, SECOND)
        if rng.random() < 0.3:
            start = rng.choice(_turns(as_of)) + rng.randrange(-40, 40) * MINUTE
        end = start + rng.randrange(10, 360) * MINUTE + rng.randrange(60) * SECOND
        late = rng.random() < 0.35
        announced = (
            start + rng.randrange(1, 120) * MINUTE
            if late
            else start - rng.choice([0, rng.randrange(1, 14 * 86400) * SECOND])
        )
        for service_id in rng.sample(ids, rng.choice([1, 1, 1, 2])):
            rows.append(
                {
                    "window_id": f"W{number}",
                    "service_id": service_id,
                    "starts_at": written(start, rng),
                    "ends_at": written(end, rng),
                    "announced_at": written(announced, rng),
                    "description": f"Window {number}",
                }
            )
    return rows


def _incidents(rng: random.Random, ids: list[str], as_of: int) -> list[dict]:
    """Versions of 30 incidents: the first open or resolved, later ones resolving or
    cancelling it (some recorded after T, where an earlier open one stays in force)."""
    versions = []
    for number in range(1, 31):
        start = rng.randrange(START - 86400 * SECOND, as_of + 86400 * SECOND, SECOND)
        if rng.random() < 0.2:
            start = rng.choice(_turns(as_of)) + rng.randrange(-30, 30) * MINUTE
        services = rng.sample(ids, rng.choice([1, 1, 2, 3]))
        recorded = start + rng.randrange(0, 3600) * SECOND + rng.randrange(1000) * 1000
        if number == 1:
            recorded = as_of - 2 * 3600 * SECOND  # its second version exactly at T
        for step in range(rng.choice([1, 2, 2, 3])):
            severity = rng.choice(["red", "yellow"])
            length = rng.choice([rng.randrange(60, 7200)] * 4 + [rng.randrange(3600, 4 * 86400)])
            ended = start + length * SECOND + rng.randrange(1_000_000)
            later = ["resolved"] * 4 + ["cancelled"]
            status = rng.choice(later if step else ["open", "resolved"])
            version = {
                "incident_id": f"INC-{number}",
                "recorded_at": written(recorded, rng),
                "service_ids": services,
                "severity": severity,
                "started_at": written(start, rng),
                "ended_at": None if status == "open" else written(ended, rng),
                "status": status,
                "service_code": f"SF{1500 + number}",
                "title": f"Incident {number}",
                "description": "Random",
                "cause": None,
                "resolution": None,
            }
            if rng.random() < 0.5:
                version["impact"] = rng.choice([0.1, 0.25, 0.5, 0.75, 1])
            versions.append(version)
            recorded += 2 * 3600 * SECOND if number == 1 else rng.randrange(1, 10 * 86400) * SECOND
    return versions


def _changes(rng: random.Random, as_of: int) -> list[dict]:
    rows = []
    for number in range(1, 61):
        deployed = rng.randrange(START, as_of + 5 * 86400 * SECOND, SECOND)
        if rng.random() < 0.2:
            deployed = rng.choice(_turns(as_of)) + rng.randrange(-90, 90) * MINUTE
        rows.append(
            {
                "change_id": f"CHG-{number}",
                "area": rng.choice(["stoettesystemer", "serviceplatformen"]),
                "environment": rng.choice(["production", "production", "test", "preproduction"]),
                "kind": rng.choice(["change", "fix"]),
                "deployed_at": written(deployed, rng),
                "summary": f"Change {number}",
            }
        )
    return rows


def _calls(rng: random.Random, as_of: int) -> list[dict]:
    """Hourly calls per environment and service code, some hours by the month's turn."""
    hour = 3600 * SECOND
    hours = {rng.randrange(START, END, hour) for _ in range(300)}
    hours |= {turn // hour * hour + step * hour for turn in _turns(as_of) for step in range(-2, 3)}
    rows = []
    for start in sorted(hours):
        for environment, code in rng.sample([("m1", "SP1"), ("m1", "SP2"), ("m2", "SP1")], 2):
            calls = rng.randrange(0, 100_000)
            rows.append(
                {
                    # Whole-hour offsets: the start of an hour in every one of them.
                    "period_start": written(start, rng, OFFSETS[:4]),
                    "environment": environment,
                    "service_code": code,
                    "calls": str(calls),
                    "failed_calls": str(rng.randrange(0, calls + 1)),
                }
            )
    return rows


def _checks(rng: random.Random, ids: list[str], as_of: int) -> list[dict]:
    checks = []
    for service_id in ids:
        probes = [f"p{n}" for n in range(1, rng.randint(1, 6) + 1)]
        starts = [rng.randrange(START, END - 2 * 3600 * SECOND, MINUTE) for _ in range(10)]
        starts += _turns(as_of)
        if service_id == ids[0]:
            starts.append(START)  # the first month's first minute
            # A check at T exactly is after T (R6: checked_at >= T is left out).
            checks.append(
                {
                    "checked_at": written(as_of, rng),
                    "service_id": service_id,
                    "probe_id": probes[0],
                    "status": "down",
                    "response_ms": "",
                }
            )
        for start in starts:
            checks += _episode(rng, service_id, probes, start)
    return checks


def _episode(rng: random.Random, service_id: str, probes: list[str], start: int) -> list[dict]:
    """A stretch of minutes the probes report on (most minutes, each probe, some twice),
    all up, mostly down, mostly degraded, or split."""
    weights = rng.choice([(0, 0.02)] * 3 + [(0.7, 0.1), (0.1, 0.6), (0.45, 0.3)])
    checks = []
    for minute in range(start, start + rng.randrange(20, 90) * MINUTE, MINUTE):
        for probe in probes:
            for _ in range(2 if rng.random() < 0.08 else 1):
                if rng.random() > 0.9:
                    continue
                [status] = rng.choices(["down", "degraded", "up"], [*weights, 1 - sum(weights)])
                at = minute + rng.choice(
                    [rng.randrange(60) * SECOND, rng.randrange(MINUTE), MINUTE - 1]
                )
                checks.append(
                    {
                        "checked_at": written(at, rng),
                        "service_id": service_id,
                        "probe_id": probe,
                        "status": status,
                        "response_ms": rng.choice(["", str(rng.randrange(5000))]),
                    }
                )
    return checks


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        _write_rows(f, rows)


def _write_rows(f, rows: list[dict]) -> None:
    writer = csv.DictWriter(f, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)


def _write_parquet(path: Path, rows: list[dict]) -> None:
    """Probe checks as Parquet, typed as a monitoring system would write them."""
    text = path.with_suffix(".csv")
    _write_csv(text, rows)
    with duckdb.connect() as con:
        con.execute(
            f"copy (select cast(checked_at as timestamptz) as checked_at, service_id, probe_id, "
            f"status, cast(nullif(response_ms, '') as integer) as response_ms "
            f"from read_csv('{text}', all_varchar = true)) to '{path}' (format parquet)"
        )
    text.unlink()
