"""The rules once more, written from their text alone, to check the warehouse: R1-R10's
cells, R11 and R12's counts, R13 and R15's report, R14's restatements, and the response
times and penalties the README defines.

An independent second implementation (no SQL, no code shared with the pipeline): per
service and month it sweeps the instants where anything starts or ends (a month, T, a
service-hours stretch, a planned window, a probe minute, an incident) and adds up each
stretch between two of them by what holds there. Instants are integer microseconds and
impacts exact fractions, so its figures are exact; the pipeline's doubles are compared
with a tolerance, its rounded display exactly.

tests/rules_scenario.py makes the data it is checked on.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = 1_000_000  # microseconds
MINUTE = 60 * SECOND
WORST = {"up": 0, "degraded": 1, "down": 2}
AREAS = ("stoettesystemer", "serviceplatformen")


def to_us(instant: datetime) -> int:
    return (instant - EPOCH) // timedelta(microseconds=1)


def local_midnight(day: date) -> int:
    """R1: a local day's first instant."""
    return to_us(datetime.combine(day, time(0), tzinfo=COPENHAGEN))


def month_bounds(month: date) -> tuple[int, int]:
    """R1: [first day 00:00 local, first day of next month 00:00 local)."""
    return local_midnight(month), local_midnight(months_before(month, -1))


def month_of(instant_us: int) -> date:
    local = (EPOCH + timedelta(microseconds=instant_us)).astimezone(COPENHAGEN)
    return date(local.year, local.month, 1)


@dataclass
class Scenario:
    """What lands (rows as the contract names their fields) and the reference data."""

    as_of: datetime
    services: list[dict]
    targets: list[dict]
    hours: list[dict]
    windows: list[dict]
    incidents: list[dict]  # versions
    checks: list[dict]
    changes: list[dict]
    calls: list[dict]
    response_targets: list[dict]
    contract_terms: list[dict]
    recurring_windows: list[dict] = field(default_factory=list)  # declarations


def expected_cells(scenario: Scenario) -> dict[tuple[str, date], dict]:
    """fct_monthly_availability as R1-R10 define it: (service_id, month) -> figures."""
    as_of, checks, months = _before_t(scenario)
    incidents = _incidents_as_of(scenario.incidents, as_of)
    cells = {}
    for service in scenario.services:
        sid = service["service_id"]
        # The contract's default when the reference data gives none.
        degraded = Fraction(service["degraded_impact"] or 1)
        fed = _fed(service)
        conditions = _probe_conditions([c for c in checks if c["service_id"] in fed], degraded)
        known = [(start, start + MINUTE) for start in _reported_minutes(checks, fed)]
        for incident in incidents:
            if fed & set(incident["service_ids"]):
                conditions.append(_incident_condition(incident, as_of, degraded))
        hours = [h for h in scenario.hours if h["service_id"] == sid]
        windows = _planned_windows(scenario, fed)
        for month in months:
            start, end = month_bounds(month)
            end = min(end, as_of)  # R6: the month holding T ends at T
            served = _service_hours(hours, start, end)
            figures = _sweep(start, end, served, windows, conditions, known)
            target = _target(scenario.targets, sid, month)
            cells[(sid, month)] = _verdict(figures, end - start, target)
    return cells


def _before_t(scenario: Scenario) -> tuple[int, list[dict], list[date]]:
    """T, the probe checks before it (R6) and the months reported as of it."""
    as_of = to_us(scenario.as_of)
    checks = [c for c in scenario.checks if to_us(parse(c["checked_at"])) < as_of]
    return as_of, checks, _report_months(scenario, checks, as_of)


def _fed(service: dict) -> set[str]:
    """The ids the feeds name a report row by: its own, and the service it is measured as
    (a service-time class, the README's `measured_as`)."""
    return {service["service_id"], service.get("measured_as") or service["service_id"]}


def _planned_windows(scenario: Scenario, fed: set[str]) -> list[tuple[int, int]]:
    """R3: the service's windows (on any id it is fed by) announced at or before their
    start."""
    return [
        (to_us(parse(w["starts_at"])), to_us(parse(w["ends_at"])))
        for w in _windows(scenario)
        if w["service_id"] in fed and parse(w["announced_at"]) <= parse(w["starts_at"])
    ]


def _windows(scenario: Scenario) -> list[dict]:
    """The landed windows and, as the README defines recurring windows, the occurrences
    of the declarations that exist as of T (R6), as rows of a landed window: a series
    (window and service) follows its first declaration, and each later one from its own
    announcement on; an occurrence is a window of its own, named by its series and local
    start, planned if the declaration governing it was announced by its start."""
    as_of = to_us(scenario.as_of)
    series: dict[tuple[str, str], list[dict]] = {}
    for row in scenario.recurring_windows:
        if to_us(parse(row["announced_at"])) <= as_of:
            series.setdefault((row["window_id"], row["service_id"]), []).append(row)
    occurrences = []
    for rows in series.values():
        rows.sort(key=lambda row: parse(row["announced_at"]))
        bounds = [None, *(parse(row["announced_at"]) for row in rows[1:]), None]
        for row, since, until in zip(rows, bounds, bounds[1:], strict=False):
            for local in _recurrences(row["rrule"], datetime.fromisoformat(row["starts_local"])):
                start = local.replace(tzinfo=COPENHAGEN)  # fold 0: the first showing
                if (since and start < since) or (until and start >= until):
                    continue
                local_start = start.astimezone(UTC).astimezone(COPENHAGEN)
                ends = start.astimezone(UTC) + timedelta(minutes=int(row["duration_minutes"]))
                occurrences.append({
                    "window_id": f"{row['window_id']} {local_start:%Y-%m-%d %H:%M}",
                    "service_id": row["service_id"],
                    "starts_at": start.isoformat(),
                    "ends_at": ends.isoformat(),
                    "announced_at": row["announced_at"],
                })  # fmt: skip
    return scenario.windows + occurrences


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _recurrences(rule: str, start: datetime, until: date = date(2025, 1, 1)) -> list[datetime]:
    """The local wall clocks of an RFC 5545 rule from DTSTART `start` (an occurrence
    itself) to `until`, for the two forms the scenario declares: FREQ=WEEKLY;BYDAY=<day>
    and FREQ=MONTHLY;BYDAY=+<n><day> (the n-th such weekday of each month)."""
    parts = dict(part.split("=") for part in rule.split(";"))
    nth, weekday = re.fullmatch(r"\+?(\d)?([A-Z]{2})", parts["BYDAY"]).groups()
    assert set(parts) == {"FREQ", "BYDAY"} and start.weekday() == WEEKDAYS.index(weekday)
    days = []
    if parts["FREQ"] == "WEEKLY" and nth is None:
        day = start.date()
        while day < until:
            days.append(day)
            day += timedelta(days=7)
    else:
        assert parts["FREQ"] == "MONTHLY" and nth is not None
        month = date(start.year, start.month, 1)
        while month < until:
            first = month + timedelta(days=(WEEKDAYS.index(weekday) - month.weekday()) % 7)
            days.append(first + timedelta(days=7 * (int(nth) - 1)))
            month = months_before(month, -1)
    return [datetime.combine(day, start.time()) for day in days if day >= start.date()]


def _report_months(scenario: Scenario, checks: list[dict], as_of: int) -> list[date]:
    """Every month from the first to the last holding landed data as of T (the data
    contract), the month holding T at most, if it has begun before T (R6)."""
    instants = [to_us(parse(c["checked_at"])) for c in checks]
    instants += [
        to_us(parse(v["started_at"]))
        for v in scenario.incidents
        if to_us(parse(v["recorded_at"])) <= as_of
    ]
    instants += [
        to_us(parse(w["starts_at"]))
        for w in scenario.windows
        if to_us(parse(w["announced_at"])) <= as_of
    ]
    instants += [
        to_us(parse(row[column]))
        for rows, column in ((scenario.changes, "deployed_at"), (scenario.calls, "period_start"))
        for row in rows
        if to_us(parse(row[column])) < as_of
    ]
    months, month = [], month_of(min(instants))
    while month <= month_of(max(instants)) and month_bounds(month)[0] < as_of:
        months.append(month)
        month = months_before(month, -1)
    return months


def _incidents_as_of(versions: list[dict], as_of: int) -> list[dict]:
    """R6: per incident the latest version recorded at or before T; cancelled: none."""
    latest: dict[str, dict] = {}
    for version in versions:
        if to_us(parse(version["recorded_at"])) > as_of:
            continue
        held = latest.get(version["incident_id"])
        if held is None or parse(version["recorded_at"]) > parse(held["recorded_at"]):
            latest[version["incident_id"]] = version
    return [v for v in latest.values() if v["status"] != "cancelled"]


def _incident_span(incident: dict, as_of: int) -> tuple[int, int]:
    """R6: [started_at, ended_at); an open incident lasts until T."""
    start = to_us(parse(incident["started_at"]))
    return start, as_of if incident["ended_at"] is None else to_us(parse(incident["ended_at"]))


def _incident_condition(incident: dict, as_of: int, degraded: Fraction) -> tuple:
    """R5: (start, end, severity, impact)."""
    start, end = _incident_span(incident, as_of)
    if incident["severity"] == "red":
        impact = Fraction(1)
    elif incident.get("impact") is not None:
        impact = Fraction(str(incident["impact"]))
    else:
        impact = degraded
    return (start, end, incident["severity"], impact)


def _probe_conditions(checks: list[dict], degraded: Fraction) -> list[tuple]:
    """R4, R5: each minute's majority vote as a red or yellow condition."""
    worst: dict[tuple[int, str], int] = {}
    for check in checks:
        minute = to_us(parse(check["checked_at"])) // MINUTE * MINUTE
        key = (minute, check["probe_id"])
        worst[key] = max(worst.get(key, 0), WORST[check["status"]])
    by_minute: dict[int, list[int]] = {}
    for (minute, _), status in worst.items():
        by_minute.setdefault(minute, []).append(status)
    conditions = []
    for minute, statuses in by_minute.items():
        n = len(statuses)
        down = sum(s == 2 for s in statuses)
        bad = sum(s >= 1 for s in statuses)
        if 2 * down > n:
            conditions.append((minute, minute + MINUTE, "red", Fraction(1)))
        elif 2 * bad > n:
            conditions.append((minute, minute + MINUTE, "yellow", degraded))
    return conditions


def _reported_minutes(checks: list[dict], fed: set[str]) -> set[int]:
    return {
        to_us(parse(c["checked_at"])) // MINUTE * MINUTE for c in checks if c["service_id"] in fed
    }


def _service_hours(hours: list[dict], start: int, end: int) -> list[tuple[int, int]]:
    """R2: the month's agreed hours, local wall-clock stretches per ISO weekday (ending at or
    before they start: the next day; 24:00: midnight), none on the holidays a row closes on
    (a stretch belongs to the day it starts on); stretches may overlap. None: 24x7. A wall
    clock shown twice is its first showing, one never shown reads as winter time (Python's
    fold 0, as RFC 5545 reads them)."""
    if not hours:
        return [(start, end)]
    stretches = []
    day = month_of(start) - timedelta(days=1)
    while local_midnight(day) < end:
        for row in hours:
            if int(row["iso_weekday"]) == day.isoweekday() and not _closed(row, day):
                opens, closes = _time_of_day(row["start_local"]), _time_of_day(row["end_local"])
                if closes <= opens:
                    closes += timedelta(days=1)
                midnight = datetime.combine(day, time(0))
                a = to_us((midnight + opens).replace(tzinfo=COPENHAGEN))
                b = to_us((midnight + closes).replace(tzinfo=COPENHAGEN))
                if min(b, end) > max(a, start):
                    stretches.append((max(a, start), min(b, end)))
        day += timedelta(days=1)
    return stretches


def _time_of_day(text: str) -> timedelta:
    """'HH:MM[:SS]' as the time since midnight ('24:00': the next midnight)."""
    hours, minutes, *seconds = (int(part) for part in text.split(":"))
    return timedelta(hours=hours, minutes=minutes, seconds=sum(seconds))


# The Danish holidays of 2024, written out from the calendar (Store Bededag is gone from
# 2024): the public ones, and the optional ones a row of service hours may close on by name.
PUBLIC_HOLIDAYS_2024 = {
    date(2024, 1, 1),  # Nytårsdag
    date(2024, 3, 28),  # Skærtorsdag
    date(2024, 3, 29),  # Langfredag
    date(2024, 3, 31),  # Påskedag
    date(2024, 4, 1),  # 2. påskedag
    date(2024, 5, 9),  # Kristi himmelfartsdag
    date(2024, 5, 19),  # Pinsedag
    date(2024, 5, 20),  # 2. pinsedag
    date(2024, 12, 25),  # Juledag
    date(2024, 12, 26),  # 2. juledag
}
OPTIONAL_HOLIDAYS_2024 = {
    "Arbejdernes kampdag": date(2024, 5, 1),
    "Grundlovsdag": date(2024, 6, 5),
    "Juleaftensdag": date(2024, 12, 24),
    "Nytårsaften": date(2024, 12, 31),
}


def _closed(row: dict, day: date) -> bool:
    """Whether the row's hours close on `day`: its `closed_on` names `public` (every public
    holiday) and optional holidays, joined by '+'."""
    names = {name for name in row.get("closed_on", "").split("+") if name}
    if not names:
        return False
    assert day.year == 2024, "the oracle knows the holidays of 2024 only"
    return ("public" in names and day in PUBLIC_HOLIDAYS_2024) or any(
        OPTIONAL_HOLIDAYS_2024[name] == day for name in names - {"public"}
    )


def _sweep(start, end, served, windows, conditions, known) -> dict:
    """R3, R7: add up [start, end) stretch by stretch between the instants where anything
    starts or ends."""
    events: dict[int, list] = {}

    def add(a: int, b: int, kind: str, payload=None) -> None:
        a, b = max(a, start), min(b, end)
        if a < b:
            events.setdefault(a, []).append((kind, payload, 1))
            events.setdefault(b, []).append((kind, payload, -1))

    for a, b in served:
        add(a, b, "served")
    for a, b in windows:
        add(a, b, "window")
    for a, b in known:
        add(a, b, "known")
    for a, b, severity, impact in conditions:
        add(a, b, "condition", (severity, impact))
    active = {"served": 0, "window": 0, "known": 0}
    impacts: dict[tuple, int] = {}
    totals = dict.fromkeys(("service", "downtime", "red", "yellow", "known"), Fraction(0))
    instants = sorted(events)
    for here, following in itertools.pairwise(instants):
        for kind, payload, step in events[here]:
            if kind == "condition":
                impacts[payload] = impacts.get(payload, 0) + step
            else:
                active[kind] += step
        if not (active["served"] > 0 and active["window"] == 0):
            continue
        length = Fraction(following - here, SECOND)
        live = [p for p, count in impacts.items() if count > 0]
        totals["service"] += length
        totals["downtime"] += length * max((impact for _, impact in live), default=0)
        if any(severity == "red" for severity, _ in live):
            totals["red"] += length
        elif live:
            totals["yellow"] += length
        if active["known"] > 0:
            totals["known"] += length
    return totals


def _target(targets: list[dict], service_id: str, month: date) -> Decimal | None:
    """R9: the target in force on the month's first local day."""
    row = _in_force(targets, service_id, month)
    return None if row is None else Decimal(row["target_pct"])


def _in_force(rows: list[dict], service_id: str, month: date) -> dict | None:
    """The service's reference row valid on the month's first local day (R9's rule)."""
    for row in rows:
        valid_to = date.fromisoformat(row["valid_to"]) if row["valid_to"] else None
        if (
            row["service_id"] == service_id
            and date.fromisoformat(row["valid_from"]) <= month
            and (valid_to is None or month <= valid_to)
        ):
            return row
    return None


def _verdict(totals: dict, month_us: int, target: Decimal | None) -> dict:
    """R8-R10: availability, its error budget, its display, the verdict and the colour;
    without a target in force (R9) no budget, verdict or colour."""
    service, downtime = totals["service"], totals["downtime"]
    cell = {
        "service_seconds": service,
        "excluded_seconds": Fraction(month_us, SECOND) - service,
        "downtime_seconds": downtime,
        "red_seconds": totals["red"],
        "yellow_seconds": totals["yellow"],
        "probe_coverage": totals["known"] / service if service else None,
        "error_budget_seconds": None
        if target is None
        else (1 - Fraction(target) / 100) * service - downtime,
        "sla_target_pct": target,
    }
    if not service:
        return {
            **cell,
            "availability_pct": None,
            "availability_display": "n/a",
            "sla_met": None,
            "status_colour": None,
        }
    exact = 100 * (1 - downtime / service)
    shown = _half_up(exact)
    met = None if target is None else shown >= target
    red = totals["red"]
    if met is None:
        colour = None
    elif met:
        colour = "green"
    else:
        colour = "red" if red >= downtime - red else "yellow"
    return {
        **cell,
        "availability_pct": exact,
        "availability_display": f"{shown:.2f}".replace(".", ",") + "%",
        "sla_met": met,
        "status_colour": colour,
    }


def _half_up(value: Fraction) -> Decimal:
    """R9: rounded half-up to two decimals, exactly."""
    hundredths = value * 100
    whole = hundredths.numerator // hundredths.denominator
    if hundredths - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole) / 100


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def expected_operations(scenario: Scenario) -> dict[tuple[str, date], dict]:
    """R12 (fct_monthly_operations): (area, month) -> changes, planned and late windows."""
    as_of, _, months = _before_t(scenario)
    areas = {s["service_id"]: s["area"] for s in scenario.services}
    cells = {
        (area, month): {"changes": set(), "service_windows": set(), "late_service_windows": set()}
        for area in set(areas.values())
        for month in months
    }
    for change in scenario.changes:
        deployed = to_us(parse(change["deployed_at"]))
        key = (change["area"], month_of(deployed))
        if deployed < as_of and change["environment"] == "production" and key in cells:
            cells[key]["changes"].add(change["change_id"])
    for window in _windows(scenario):
        month = month_of(to_us(parse(window["starts_at"])))
        # A window on a measured service counts in the area of each row measured as it.
        for area in {s["area"] for s in scenario.services if window["service_id"] in _fed(s)}:
            key = (area, month)
            if to_us(parse(window["announced_at"])) <= as_of and key in cells:
                planned = parse(window["announced_at"]) <= parse(window["starts_at"])
                cells[key]["service_windows" if planned else "late_service_windows"].add(
                    window["window_id"]
                )
    return {key: {name: len(ids) for name, ids in cell.items()} for key, cell in cells.items()}


def expected_service_calls(scenario: Scenario) -> dict[tuple[str, str, date], dict]:
    """R11 (fct_monthly_service_calls): (area, environment, month) -> calls, failed calls
    of the hours starting in the month, before T."""
    as_of, _, months = _before_t(scenario)
    environments = {(s["area"], s["environment"]) for s in scenario.services if s["environment"]}
    cells = {
        (area, environment, month): {"calls": 0, "failed_calls": 0}
        for area, environment in environments
        for month in months
    }
    for row in scenario.calls:
        start = to_us(parse(row["period_start"]))
        for area, environment in environments:
            key = (area, environment, month_of(start))
            if environment == row["environment"] and start < as_of and key in cells:
                cells[key]["calls"] += int(row["calls"])
                cells[key]["failed_calls"] += int(row["failed_calls"])
    return cells


def expected_reports(scenario: Scenario) -> dict[date, dict[str, dict]]:
    """R15's report of every month, area by area, as far as figures go: the rows in
    sort_order with the month's target and the 12 months' displays and colours, R13's
    verdict, R12's counts, R11's call row and the incidents overlapping the month."""
    as_of, _, months = _before_t(scenario)
    cells = expected_cells(scenario)
    operations = expected_operations(scenario)
    calls = expected_service_calls(scenario)
    incidents = _incidents_as_of(scenario.incidents, as_of)
    # The report's sections in the seed report's order, each area's rows in its sort_order.
    services = sorted(
        scenario.services, key=lambda s: (AREAS.index(s["area"]), int(s["sort_order"]))
    )
    return {
        month: _report(scenario, month, services, cells, operations, calls, incidents)
        for month in months
    }


def _report(scenario, month, services, cells, operations, calls, incidents) -> dict[str, dict]:
    shown = [months_before(month, back) for back in range(11, -1, -1)]
    as_of = to_us(scenario.as_of)
    start, end = month_bounds(month)
    report: dict[str, dict] = {}
    for service in services:
        area = report.setdefault(
            service["area"], {"rows": [], "satisfactory": True, "incidents": set()}
        )
        sid = service["service_id"]
        row = [cells.get((sid, m), {}) for m in shown]
        target = _target(scenario.targets, sid, month)
        area["rows"].append(
            (sid, "n/a" if target is None else f"{target:.2f}".replace(".", ",") + "%", [
                (c.get("availability_display", "n/a"), c.get("status_colour")) for c in row
            ])
        )  # fmt: skip
        # R13: an n/a cell is no miss.
        area["satisfactory"] &= row[-1].get("sla_met") is not False
        for incident in incidents:
            began, ended = _incident_span(incident, as_of)
            if _fed(service) & set(incident["service_ids"]) and began < end and ended > start:
                area["incidents"].add(incident["incident_id"])
    for name, area in report.items():
        area.update(operations[(name, month)])
        # R11: the row of an area with environments, n/a for months before the data.
        area["calls"] = (
            [
                sum(c["calls"] for (a, _, m), c in calls.items() if a == name and m == shown_m)
                if any(m == shown_m for _, _, m in calls)
                else None
                for shown_m in shown
            ]
            if any(a == name for a, _, _ in calls)
            else None
        )
    return report


def months_before(month: date, back: int) -> date:
    index = month.year * 12 + month.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def restatement_note(months: list[date]) -> str:
    """R14's note, as the rules' example writes it: 'De tidligere oplyste SLA-tal for
    november og december 2023 er blevet opdateret.'"""
    names = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
             "september", "oktober", "november", "december"]  # fmt: skip
    years = sorted({m.year for m in months})
    parts = [
        _and([names[m.month - 1] for m in months if m.year == year]) + f" {year}" for year in years
    ]
    return f"De tidligere oplyste SLA-tal for {_and(parts)} er blevet opdateret."


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " og " + words[-1]


def expected_penalties(scenario: Scenario) -> dict[tuple[str, date], dict]:
    """fct_monthly_penalties as the README's "Penalties (bod)" defines them, per service and
    month with contract terms in force: the shortfall of the displayed availability below
    the target, the steps started, the share (capped) and the amount (half-up to øre)."""
    penalties = {}
    for (sid, month), cell in expected_cells(scenario).items():
        terms = _in_force(scenario.contract_terms, sid, month)
        if terms is None:
            continue
        fee, step, share, cap = (
            Decimal(terms[k]) for k in ("monthly_fee", "step_pct", "share_per_step_pct", "cap_pct")
        )
        if cell["sla_met"] is None:
            shortfall = steps = share_pct = amount = None
        else:
            shown = Decimal(cell["availability_display"].rstrip("%").replace(",", "."))
            shortfall = max(cell["sla_target_pct"] - shown, Decimal(0))
            steps = math.ceil(Fraction(shortfall) / Fraction(step))
            share_pct = min(cap, steps * share)
            amount = (fee * share_pct / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        penalties[(sid, month)] = {
            "sla_met": cell["sla_met"],
            "shortfall_pct": shortfall,
            "steps": steps,
            "penalty_pct": share_pct,
            "penalty_amount": amount,
        }
    return penalties


def expected_response_times(scenario: Scenario) -> dict[tuple[str, date], dict]:
    """fct_monthly_response_times as the README's "Response-time targets" defines them, per
    service and month with a target in force: the checks whose minute lies in agreed
    service time, answered unless down, measured when answered with a response time;
    nearest-rank fractiles; the share within the threshold shown half-up, and R9's verdict
    on the shown share."""
    as_of, checks, months = _before_t(scenario)
    found = {}
    for service in scenario.services:
        sid = service["service_id"]
        hours = [h for h in scenario.hours if h["service_id"] == sid]
        windows = _planned_windows(scenario, _fed(service))
        for month in months:
            target = _in_force(scenario.response_targets, sid, month)
            if target is None:
                continue
            start, end = month_bounds(month)
            served = _service_hours(hours, start, min(end, as_of))
            counted = [
                c
                for c in checks
                if c["service_id"] in _fed(service)
                and _agreed(to_us(parse(c["checked_at"])) // MINUTE * MINUTE, served, windows)
            ]
            found[(sid, month)] = _response_figures(counted, target)
    return found


def _agreed(instant: int, served: list[tuple[int, int]], windows: list[tuple[int, int]]) -> bool:
    return any(a <= instant < b for a, b in served) and not any(
        a <= instant < b for a, b in windows
    )


def _response_figures(checks: list[dict], target: dict) -> dict:
    answered = [c for c in checks if c["status"] != "down"]
    measured = sorted(int(c["response_ms"]) for c in answered if c["response_ms"] != "")
    threshold = int(target["threshold_ms"])
    fractile = Decimal(target["fractile_pct"])

    def nearest_rank(p: Decimal) -> int | None:
        return measured[math.ceil(Fraction(p) * len(measured) / 100) - 1] if measured else None

    within = sum(ms <= threshold for ms in measured)
    shown = _half_up(Fraction(100 * within, len(measured))) if measured else None
    return {
        "checks": len(checks),
        "answered_checks": len(answered),
        "down_checks": len(checks) - len(answered),
        "unmeasured_checks": len(answered) - len(measured),
        "measured_checks": len(measured),
        "p50_ms": nearest_rank(Decimal(50)),
        "p90_ms": nearest_rank(Decimal(90)),
        "p99_ms": nearest_rank(Decimal(99)),
        "target_fractile_ms": nearest_rank(fractile),
        "within_threshold_checks": within,
        "within_threshold_display": "n/a"
        if shown is None
        else f"{shown:.2f}".replace(".", ",") + "%",
        "target_met": None if shown is None else shown >= fractile,
    }
