"""The report model (R15): one frozen structure built from the marts, shown by every face.

The text, csv and json renderers and the Streamlit page all take a `Report`, so they cannot
disagree. Every SLA figure is taken as the marts computed it (`availability_display`,
`sla_met`, `status_colour`); this module only selects, orders and words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from dagster_project.report import danish
from dagster_project.report.penalties import PenaltyTable, penalty_table
from dagster_project.report.response import ResponseTable, response_tables
from dagster_project.report.restatement import (
    Previous,
    earlier_publications,
    restatement_note,
)
from dagster_project.timeline import LOCAL_ZONE, add_months

TITLE = "Driftsstatus"
SUBTITLE = "Den fælleskommunale infrastruktur"
TABLE_HEADING_SUFFIX = "brugeroplevet driftseffektivitet"
COLUMN_AREA = "Driftsområde"
COLUMN_PRODUCTION = "Produktion"
COLUMN_TARGET = "SLA-Mål"
CALLS_LABEL = "Antal servicekald i runde tal"
CALLS_TARGET = "n.a."
NOT_AVAILABLE = "n/a"
MONTHS_SHOWN = 12

VERDICT_MET = "Den brugeroplevede driftsstabilitet har i perioden været tilfredsstillende."
VERDICT_MISSED = (
    "Den brugeroplevede driftsstabilitet har ikke været tilfredsstillende for perioden."
)
NO_INCIDENTS = (
    "Infrastruktur- og applikationsdriften har i perioden kørt stabilt uden nævneværdige problemer."
)
LEGEND_ITEMS = (
    "RØD (R): system utilgængelig pga. fejl",
    "GUL (G): system tilgængelig, mgl. funktionalitet",
    "Infrastruktur: hardware/operativsystem",
    "Applikation: software/program",
)
RESTATED_LEGEND = "*: tallet er opdateret siden den sidst offentliggjorte rapport"
# A colour is never the only signal: missed cells also carry a letter (see LEGEND_ITEMS).
MARKERS = {"red": "R", "yellow": "G"}

Source = duckdb.DuckDBPyConnection | Path | str


class ReportMonthError(ValueError):
    """The requested month has no data in the warehouse."""


@dataclass(frozen=True)
class Cell:
    """One availability figure as the mart shows it (R8-R10)."""

    month: date
    display: str  # '99,82%' or 'n/a', rounded in SQL
    pct: float | None  # unrounded, for machines; never shown
    colour: str | None  # green | yellow | red; None when n/a
    sla_met: bool | None
    previous: Previous | None = None  # set when an earlier publication showed another value

    @property
    def restated(self) -> bool:
        return self.previous is not None

    @property
    def marker(self) -> str:
        return MARKERS.get(self.colour or "", "")

    @property
    def text(self) -> str:
        """The display text with its non-colour marks: '99,82% G', '89,98% G*'."""
        text = f"{self.display} {self.marker}" if self.marker else self.display
        return text + "*" if self.restated else text


@dataclass(frozen=True)
class ServiceRow:
    service_id: str
    label: str
    layer: str
    target_pct: Decimal | None
    target_display: str
    cells: tuple[Cell, ...]

    @property
    def current(self) -> Cell:
        """The report month's cell (the last column)."""
        return self.cells[-1]


@dataclass(frozen=True)
class CallsCell:
    month: date
    calls: int | None
    display: str


@dataclass(frozen=True)
class CallsRow:
    """R11: the area's service calls per month, summed over its environments."""

    cells: tuple[CallsCell, ...]
    label: str = CALLS_LABEL
    target_display: str = CALLS_TARGET


@dataclass(frozen=True)
class Note:
    """One incident overlapping the report month, once per area however many services it hit."""

    incident_id: str
    service_code: str | None
    title: str
    severity: str
    status: str
    started_at: datetime  # Copenhagen wall-clock
    ended_at: datetime | None  # None while open
    service_ids: tuple[str, ...]
    description: str
    cause: str | None
    resolution: str | None

    @property
    def heading(self) -> str:
        """'SF1525 Persondata Samling Hent' (the seed prints it in bold)."""
        return f"{self.service_code} {self.title}" if self.service_code else self.title

    @property
    def period(self) -> str:
        return _period(self.started_at, self.ended_at)

    @property
    def body(self) -> str:
        """Consequence, cause and resolution as one paragraph."""
        parts = (self.description, self.cause, self.resolution)
        return " ".join(_sentence(part) for part in parts if part and part.strip())


@dataclass(frozen=True)
class Counts:
    """R12: production changes and planned service windows of the area in the month."""

    changes: int
    service_windows: int
    late_service_windows: int

    @property
    def sentence(self) -> str:
        changes = f"{danish.integer(self.changes)} " + (
            "ændring/rettelse" if self.changes == 1 else "ændringer/rettelser"
        )
        if self.service_windows == 0:
            text = f"Der har i perioden været gennemført {changes} på Produktionsmiljøet."
        else:
            windows = danish.number_word(self.service_windows, neuter=True) + (
                " servicevindue" if self.service_windows == 1 else " servicevinduer"
            )
            text = (
                f"Der har i perioden været gennemført {changes} og afviklet {windows} "
                "i Produktionsmiljøet."
            )
        if self.late_service_windows:
            late = danish.number_word(self.late_service_windows, neuter=True)
            noun = "servicevindue" if self.late_service_windows == 1 else "servicevinduer"
            text += (
                f" {late.capitalize()} {noun} blev anmeldt efter starttidspunktet og er ikke "
                "trukket fra den aftalte servicetid."
            )
        return text


@dataclass(frozen=True)
class Area:
    area: str
    name: str  # 'Støttesystemerne'
    title: str  # area name, en dash, 'januar 2024'
    table_heading: str  # 'STØTTESYSTEMER brugeroplevet driftseffektivitet'
    rows: tuple[ServiceRow, ...]
    calls: CallsRow | None
    notes: tuple[Note, ...]
    counts: Counts
    note: str | None = None  # R14 restatement note, filled in by the publication issue
    response: ResponseTable | None = None  # only where the area has response-time targets

    @property
    def satisfactory(self) -> bool:
        """R13: every service met its target in the report month (an n/a cell is no miss)."""
        return all(row.current.sla_met is not False for row in self.rows)

    @property
    def verdict(self) -> str:
        return VERDICT_MET if self.satisfactory else VERDICT_MISSED

    @property
    def notes_lead(self) -> str:
        """The sentence before the incident notes, or the whole story when there are none."""
        if not self.notes:
            return NO_INCIDENTS
        layers = {
            row.layer for row in self.rows for n in self.notes if row.service_id in n.service_ids
        }
        infra = "infrastruktur" in layers
        app = bool(layers - {"infrastruktur"})
        what = (
            "Infrastruktur- og applikationsdriften"
            if infra and app
            else "Infrastrukturdriften"
            if infra
            else "Applikationsdriften"
        )
        return f"{what} har i perioden været påvirket af:"


@dataclass(frozen=True)
class Report:
    month: date
    months: tuple[date, ...]  # the 12 columns, ending with `month`
    areas: tuple[Area, ...]
    title: str = TITLE
    subtitle: str = SUBTITLE
    # Only where a service has contract terms; a report without freezes as before it existed.
    penalties: PenaltyTable | None = field(default=None, metadata={"frozen_if_set": True})

    @property
    def period(self) -> str:
        """'Januar 2024'."""
        return danish.month_name(self.month, capitalised=True)

    @property
    def month_labels(self) -> tuple[str, ...]:
        return tuple(danish.month_label(m) for m in self.months)

    @property
    def any_restated(self) -> bool:
        return any(c.restated for a in self.areas for r in a.rows for c in r.cells)

    @property
    def legend(self) -> str:
        items = LEGEND_ITEMS + ((RESTATED_LEGEND,) if self.any_restated else ())
        return "FORKLARING: " + " / ".join(items)


def parse_month(month: date | str) -> date:
    """'2024-01' (or a date) -> date(2024, 1, 1)."""
    if isinstance(month, date):
        return month.replace(day=1)
    try:
        return datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise ReportMonthError(f"report month must look like YYYY-MM, not {month!r}") from None


def report_columns(month: date) -> tuple[date, ...]:
    """The months a report of `month` shows (its columns): MONTHS_SHOWN, ending with it."""
    return tuple(add_months(month, offset) for offset in range(1 - MONTHS_SHOWN, 1))


def report_months(source: Source) -> tuple[date, ...]:
    """The months with data (the month spine of fct_monthly_availability), oldest first."""
    with read_connection(source) as con:
        return _months(con)


def build_report(
    source: Source, month: date | str, published_before: datetime | None = None
) -> Report:
    """The report of `month`, read with one short-lived read-only connection (closed on return).

    `source` is a warehouse path (the serving copy) or an open connection the caller owns.
    Cells are marked restated against the reports published (before `published_before`).
    """
    month = parse_month(month)
    with read_connection(source) as con:
        spine = _months(con)
        if month not in spine:
            known = f"{spine[0]:%Y-%m} .. {spine[-1]:%Y-%m}" if spine else "none"
            raise ReportMonthError(f"no data for {month:%Y-%m}; months with data: {known}")
        months = report_columns(month)
        window = [months[0], month]
        fetched = _Fetched(
            services=_records(con, _SERVICES_SQL),
            figures={
                (r["service_id"], r["month"]): r for r in _records(con, _AVAILABILITY_SQL, window)
            },
            calls={(r["area"], r["month"]): r["calls"] for r in _records(con, _CALLS_SQL, window)},
            calling_areas={r["area"] for r in _records(con, _CALLING_AREAS_SQL)},
            operations={r["area"]: r for r in _records(con, _OPERATIONS_SQL, [month])},
            incidents=_records(
                con,
                _INCIDENTS_SQL,
                [_local_midnight(add_months(month, 1)), _local_midnight(month)],
            ),
            responses=response_tables(con, month),
            penalties=penalty_table(con, month),
        )
        earlier = earlier_publications(con, published_before)
        earlier_penalties = earlier_publications(con, published_before, "penalties")
    report = _mark_restated(_assemble(month, months, fetched), earlier)
    return replace(report, penalties=_mark_restated_penalties(report.penalties, earlier_penalties))


@dataclass(frozen=True)
class _Fetched:
    """The marts' rows a report is made of, each a dict of column -> value."""

    services: list[dict]  # dim_services, in report order
    figures: dict[tuple[str, date], dict]  # (service_id, month) -> availability row
    calls: dict[tuple[str, date], int]  # (area, month) -> calls
    calling_areas: set[str]  # areas with a service-calls row at all
    operations: dict[str, dict]  # area -> the month's changes and windows
    incidents: list[dict]  # one row per incident and service, in report order
    responses: dict[str, ResponseTable]  # area -> response times, where it has targets
    penalties: PenaltyTable | None  # the year's penalties up to the month, where any terms


def _records(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None
) -> list[dict]:
    cursor = con.execute(sql, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _mark_restated(report: Report, earlier: dict[tuple[str, date], Previous]) -> Report:
    """R14: attach the earlier value to changed cells; each area with any gets the note."""
    areas = []
    for area in report.areas:
        rows = tuple(
            replace(
                row,
                cells=tuple(
                    replace(
                        cell, previous=_changed(earlier, row.service_id, cell.month, cell.display)
                    )
                    for cell in row.cells
                ),
            )
            for row in area.rows
        )
        months = sorted({c.month for r in rows for c in r.cells if c.restated})
        note = restatement_note(months) if months else None
        areas.append(replace(area, rows=rows, note=note))
    return replace(report, areas=tuple(areas))


def _mark_restated_penalties(
    table: PenaltyTable | None, earlier: dict[tuple[str, date], Previous]
) -> PenaltyTable | None:
    """R14 for penalties: an amount an earlier publication showed otherwise is marked, and
    the table gets the note naming its months."""
    if table is None:
        return None
    rows = tuple(
        replace(row, previous=_changed(earlier, row.service_id, row.month, row.amount_display))
        for row in table.rows
    )
    months = sorted({row.month for row in rows if row.restated})
    note = restatement_note(months, "bodsbeløb") if months else None
    return replace(table, rows=rows, note=note)


def _changed(
    earlier: dict[tuple[str, date], Previous], service_id: str, month: date, shown: str
) -> Previous | None:
    previous = earlier.get((service_id, month))
    return previous if previous is not None and previous.display != shown else None


@contextmanager
def read_connection(source: Source) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to a path, closed right away: an open DuckDB connection, even
    a read-only one, keeps the file from being written by another process."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        yield source
        return
    con = duckdb.connect(str(source), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def _months(con: duckdb.DuckDBPyConnection) -> tuple[date, ...]:
    rows = con.execute(
        "select distinct month from marts.fct_monthly_availability order by month"
    ).fetchall()
    return tuple(m for (m,) in rows)


_SERVICES_SQL = """
select service_id, area, area_title, table_heading, layer, label, sla_target_pct
from marts.dim_services
order by sort_order
"""
_AVAILABILITY_SQL = """
select service_id, month, availability_display, availability_pct, status_colour, sla_met,
       sla_target_pct
from marts.fct_monthly_availability
where month between ? and ?
"""
_CALLS_SQL = """
select area, month, sum(calls)::bigint as calls
from marts.fct_monthly_service_calls
where month between ? and ?
group by area, month
"""
_CALLING_AREAS_SQL = "select distinct area from marts.fct_monthly_service_calls"
_OPERATIONS_SQL = """
select area, sum(changes)::bigint as changes, sum(service_windows)::bigint as service_windows,
       sum(late_service_windows)::bigint as late_service_windows
from marts.fct_monthly_operations
where month = ?
group by area
"""
# Overlap with the local month [start, end): started before its end, not ended before its start.
_INCIDENTS_SQL = f"""
select i.incident_id, i.service_id, i.area, i.severity, i.status, i.service_code, i.title,
       i.description, i.cause, i.resolution,
       timezone('{LOCAL_ZONE}', i.started_at::timestamptz) as started_at,
       timezone('{LOCAL_ZONE}', i.ended_at::timestamptz) as ended_at
from marts.fct_incidents as i
where i.started_at::timestamptz < ?::timestamptz
  and coalesce(i.effective_end_at, i.ended_at, 'infinity'::timestamptz)::timestamptz
      > ?::timestamptz
order by i.started_at, i.incident_id, i.service_id
"""
_NOTE_FIELDS = (
    "incident_id", "service_code", "severity", "status", "started_at", "ended_at", "cause",
    "resolution",
)  # fmt: skip


def _assemble(month: date, months: tuple[date, ...], fetched: _Fetched) -> Report:
    """Put the fetched rows together; pure, so it needs no database."""
    areas: dict[str, dict] = {}
    for service in fetched.services:
        sid = service["service_id"]
        entry = areas.setdefault(
            service["area"],
            {
                "name": service["area_title"],
                "heading": service["table_heading"],
                "rows": [],
                "notes": {},
            },
        )
        cells = tuple(_cell(m, fetched.figures.get((sid, m))) for m in months)
        current = fetched.figures.get((sid, month)) or {}
        # The month's target as the mart applied it (none in force: none shown), else the
        # service's (a month without figures still shows what the service is held to).
        target = current["sla_target_pct"] if current else service["sla_target_pct"]
        target = Decimal(str(target)) if target is not None else None
        shown_target = danish.pct(target) if target is not None else NOT_AVAILABLE
        entry["rows"].append(
            ServiceRow(sid, service["label"], service["layer"], target, shown_target, cells)
        )
    for incident in fetched.incidents:
        if incident["area"] not in areas:
            continue
        notes = areas[incident["area"]]["notes"]
        if incident["incident_id"] in notes:
            notes[incident["incident_id"]]["service_ids"].append(incident["service_id"])
            continue
        notes[incident["incident_id"]] = {
            **{key: incident[key] for key in _NOTE_FIELDS},
            "title": incident["title"] or "",
            "description": incident["description"] or "",
            "service_ids": [incident["service_id"]],
        }
    result = []
    for area, entry in areas.items():
        calls_row = None
        if area in fetched.calling_areas:
            calls_row = CallsRow(
                tuple(_calls_cell(m, fetched.calls.get((area, m))) for m in months)
            )
        notes = tuple(
            Note(**{**n, "service_ids": tuple(n["service_ids"])}) for n in entry["notes"].values()
        )
        result.append(
            Area(
                area=area,
                name=entry["name"],
                title=f"{entry['name']} {danish.EN_DASH} {danish.month_name(month)}",
                table_heading=f"{entry['heading']} {TABLE_HEADING_SUFFIX}",
                rows=tuple(entry["rows"]),
                calls=calls_row,
                notes=notes,
                counts=_counts(fetched.operations.get(area)),
                response=fetched.responses.get(area),
            )
        )
    return Report(month=month, months=months, areas=tuple(result), penalties=fetched.penalties)


def _counts(operations: dict | None) -> Counts:
    """R12: the month's production changes, planned windows and late ones (0 without)."""
    if operations is None:
        return Counts(0, 0, 0)
    return Counts(
        int(operations["changes"] or 0),
        int(operations["service_windows"] or 0),
        int(operations["late_service_windows"] or 0),
    )


def _cell(month: date, figure: dict | None) -> Cell:
    """A month the mart lacks, or a month without service time, shows 'n/a' (R8)."""
    if figure is None or figure["availability_display"] is None:
        return Cell(month, NOT_AVAILABLE, None, None, None)
    if figure["availability_pct"] is None:
        return Cell(month, NOT_AVAILABLE, None, None, None)
    return Cell(
        month,
        figure["availability_display"],
        float(figure["availability_pct"]),
        figure["status_colour"],
        figure["sla_met"],
    )


def _calls_cell(month: date, calls: int | None) -> CallsCell:
    if calls is None:
        return CallsCell(month, None, NOT_AVAILABLE)
    return CallsCell(month, int(calls), danish.integer(calls))


def _local_midnight(month: date) -> str:
    """The first local instant of a month as a timestamptz literal in Copenhagen (R1)."""
    # DuckDB resolves the zone name itself, DST included.
    return f"{month:%Y-%m-%d} 00:00:00 {LOCAL_ZONE}"


def _period(start: datetime, end: datetime | None) -> str:
    """'25. januar 2024 - 3. februar 2024' (en dash), hours within one day, or still open."""
    if end is None:
        return f"fra {danish.day_and_month(start)}, fortsat åben"
    if start.date() == end.date():
        return f"{danish.day_and_month(start)} kl. {start:%H.%M}{danish.EN_DASH}{end:%H.%M}"
    return f"{danish.day_and_month(start)} {danish.EN_DASH} {danish.day_and_month(end)}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":")) else text + "."
