"""The sample scenario: the January 2024 Driftsstatus report, as events.

Everything the generator writes follows from this module: the figures the
report must show (per service and month), the incidents with their versions,
the service windows, the changes and the monthly service-call totals. The
generator turns the figures into probe outages; the pipeline never sees this
module, only the landing files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from dagster_project.timeline import LOCAL_ZONE

CPH = ZoneInfo(LOCAL_ZONE)
MONTHS = [
    "2023-02", "2023-03", "2023-04", "2023-05", "2023-06", "2023-07",
    "2023-08", "2023-09", "2023-10", "2023-11", "2023-12", "2024-01",
]  # fmt: skip

# Availability (%) as printed in the seed report, per service, feb-23 .. jan-24.
TARGET_FIGURES: dict[str, list[str]] = {
    "ko_app": ["100.00"] * 2 + ["99.82"] + ["100.00"] * 9,
    "ko_infra": ["100.00", "95.85", "100.00", "99.90"] + ["100.00"] * 8,
    "sdy_app": ["100.00"] * 12,
    "sdy_infra": ["100.00", "95.85", "99.60"] + ["100.00"] * 9,
    "bf_app": ["100.00"] * 12,
    "bf_infra": ["100.00", "95.85"] + ["100.00"] * 8 + ["97.70", "100.00"],
    "adgang_app": ["100.00"] * 12,
    "adgang_infra": ["100.00", "95.85"] + ["100.00"] * 6 + ["99.90"] + ["100.00"] * 3,
    "sp_m1": "99.05 97.33 99.80 97.85 99.00 97.70 100.00 99.52 96.23 83.38 89.96 89.98".split(),
    "sp_m2": "99.12 99.00 99.80 98.98 98.44 97.93 100.00 99.69 95.56 94.60 90.00 90.19".split(),
}

# Cells whose outage is mostly "degraded" (yellow) rather than "down" (red).
YELLOW_CELLS = {
    ("ko_app", "2023-04"),
    ("sp_m1", "2023-02"), ("sp_m1", "2023-06"), ("sp_m1", "2023-09"),
    ("sp_m1", "2023-12"), ("sp_m1", "2024-01"),
    ("sp_m2", "2023-02"), ("sp_m2", "2023-03"), ("sp_m2", "2023-06"),
    ("sp_m2", "2023-09"), ("sp_m2", "2023-11"), ("sp_m2", "2023-12"),
    ("sp_m2", "2024-01"),
}  # fmt: skip

# Probes per service; a minute's status is the majority of the probes (R4).
PROBES: dict[str, tuple[str, ...]] = {
    "sp_m1": ("cph-1", "aar-1", "ode-1"),
    "sp_m2": ("cph-1", "aar-1", "ode-1"),
    "sdy_app": ("cph-1", "aar-1"),
    "sdy_infra": ("cph-1", "aar-1"),
}
DEFAULT_PROBES = ("cph-1",)

# Service calls per month on Serviceplatformen (both environments together).
SERVICE_CALLS = [
    161_779_154, 158_374_305, 148_656_381, 164_695_499, 181_274_921, 135_520_543,
    153_997_104, 153_822_023, 178_191_170, 166_338_426, 192_338_286, 198_196_122,
]  # fmt: skip
SERVICE_CODES = ("SF1520", "SF1525", "SF1530", "SF1601", "SF1606", "SF0770")

# Production changes per area and month; January 2024 is the seed's 32 and 10.
PRODUCTION_CHANGES = {
    "stoettesystemer": [21, 18, 25, 19, 14, 9, 12, 27, 30, 24, 15, 32],
    "serviceplatformen": [8, 11, 7, 9, 12, 4, 6, 10, 13, 9, 7, 10],
}


def next_month(month: str) -> str:
    """'YYYY-MM' of the month after `month`."""
    year, number = map(int, month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def local(text: str) -> datetime:
    """A Copenhagen wall-clock time 'YYYY-MM-DD HH:MM' as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


@dataclass(frozen=True)
class IncidentVersion:
    recorded_at: str
    status: str
    ended_at: str | None = None
    cause: str | None = None
    resolution: str | None = None


@dataclass(frozen=True)
class Incident:
    incident_id: str
    service_ids: tuple[str, ...]
    severity: str
    started_at: str
    title: str
    description: str
    versions: tuple[IncidentVersion, ...]
    impact: float | None = None
    service_code: str | None = None
    probes_down: bool = False  # the probes saw it too (down for its whole length)


@dataclass(frozen=True)
class Window:
    window_id: str
    service_ids: tuple[str, ...]
    starts_at: str
    ends_at: str
    announced_at: str
    description: str
    probe_status: str = "down"  # what the probes see during the window


@dataclass(frozen=True)
class Gap:
    """Minutes in which no probe of the service reported (lowers coverage)."""

    service_id: str
    starts_at: str
    minutes: int
    probes: tuple[str, ...] = field(default=())  # empty: all probes silent


INCIDENTS = (
    Incident(
        "INC-2023-0031",
        ("ko_infra", "sdy_infra", "bf_infra", "adgang_infra"),
        "red",
        "2023-03-14 06:10",
        "Strømsvigt i datacenter",
        "Strømsvigt i det primære datacenter; infrastrukturen var utilgængelig.",
        (
            IncidentVersion("2023-03-14 06:25", "open"),
            IncidentVersion(
                "2023-03-15 14:00",
                "resolved",
                ended_at="2023-03-15 13:00",
                cause="Årsagen var en defekt UPS.",
                resolution="UPS'en blev udskiftet, og systemerne genstartet.",
            ),
        ),
        probes_down=True,
    ),
    Incident(
        "INC-2023-0044",
        ("ko_app",),
        "red",
        "2023-04-03 10:00",
        "KO svarer ikke",
        "Overvågningen meldte KO utilgængelig.",
        (
            IncidentVersion("2023-04-03 10:05", "open"),
            IncidentVersion("2023-04-03 11:00", "cancelled", cause="Falsk alarm."),
        ),
    ),
    Incident(
        "INC-2023-0102",
        ("sp_m1", "sp_m2"),
        "red",
        "2023-10-10 13:00",
        "Netværksfejl",
        "Serviceplatformen var utilgængelig pga. en netværksfejl.",
        (
            IncidentVersion("2023-10-10 13:10", "open"),
            IncidentVersion(
                "2023-10-10 17:00",
                "resolved",
                ended_at="2023-10-10 16:30",
                cause="Årsagen var en fejlkonfigureret router.",
                resolution="Konfigurationen blev rettet.",
            ),
        ),
    ),
    Incident(
        "INC-2024-0007",
        ("sp_m1", "sp_m2"),
        "yellow",
        "2023-11-27 09:00",
        "Persondata Samling Hent",
        "Fejlen resulterede i forkerte udbetalinger af ydelser til personer, "
        "der har skiftet CPR-nummer.",
        (
            IncidentVersion(
                "2024-01-22 10:00", "open", cause="Årsagen var en forkert kodning af SF1525."
            ),
            IncidentVersion(
                "2024-02-12 15:00",
                "resolved",
                ended_at="2024-02-12 12:00",
                cause="Årsagen var en forkert kodning af SF1525.",
                resolution="Kodningen blev rettet.",
            ),
        ),
        impact=0.08,
        service_code="SF1525",
    ),
    Incident(
        "INC-2024-0011",
        ("sp_m1",),
        "yellow",
        "2024-01-25 10:00",
        "Afsend post",
        "Fejlen resulterede i ophobning af 315.000 forretningskvitteringer, der ikke nåede "
        "frem til modtagerne i tide. Kvitteringerne blev efterfølgende gensendt.",
        (
            IncidentVersion("2024-01-25 11:00", "open"),
            IncidentVersion(
                "2024-02-03 17:00",
                "resolved",
                ended_at="2024-02-03 16:00",
                cause="Årsagen var en fejl i MySQL-databasen.",
                resolution="Fejlen blev løst ved at genstarte databasen.",
            ),
        ),
        impact=0.15,
        service_code="SF1601",
    ),
    Incident(
        "INC-2024-0014",
        ("sp_m1", "sp_m2"),
        "yellow",
        "2024-01-08 08:00",
        "Afsend post",
        "Der opstår fra tid til anden forsinkelser i levering af forretningskvitteringer "
        "ifm. brugen af SF1601 Afsend post og Digital Post.",
        (
            IncidentVersion(
                "2024-02-21 12:00",
                "open",
                cause="Digitaliseringsstyrelsen har den 21. februar tilkendegivet, at der er "
                "uhensigtsmæssigheder i deres løsning, og de vil snarest informere om "
                "situationen vedrørende forretningskvitteringer.",
            ),
        ),
        impact=0.02,
        service_code="SF1601",
    ),
    Incident(
        "INC-2024-0009",
        ("sp_m2",),
        "yellow",
        "2024-01-16 07:30",
        "Modtag post",
        "Ustabilitet pga. en fejl på F5: fremsendelse af mails til kommunerne fejler i nogle "
        "tilfælde, dog uden at der mistes data.",
        (
            IncidentVersion(
                "2024-01-16 09:00", "open", resolution="Fejlen er fortsat under udbedring."
            ),
        ),
        impact=0.05,
        service_code="SF1606",
    ),
)

WINDOWS = (
    Window(
        "SV-2023-06",
        ("sp_m1", "sp_m2"),
        "2023-06-11 01:00",
        "2023-06-11 05:00",
        "2023-05-25 12:00",
        "Opgradering af Serviceplatformens database",
    ),
    Window(
        "SV-2023-10",
        ("adgang_infra",),
        "2023-10-19 21:00",
        "2023-10-19 21:45",
        "2023-10-19 21:20",
        "Akut genstart af Adgangsstyrings servere (registreret efter start)",
    ),
    Window(
        "SV-2024-01A",
        ("ko_infra", "sdy_infra", "bf_infra", "adgang_infra"),
        "2024-01-13 22:00",
        "2024-01-14 02:00",
        "2023-12-20 10:00",
        "Opdatering af operativsystemer",
    ),
    Window(
        "SV-2024-01B",
        ("ko_app", "sdy_app", "bf_app", "adgang_app"),
        "2024-01-27 20:00",
        "2024-01-27 23:00",
        "2024-01-10 09:00",
        "Udrulning af ny version af støttesystemerne",
        probe_status="degraded",
    ),
)

GAPS = (
    Gap("ko_app", "2023-06-14 02:00", 10),
    Gap("bf_app", "2023-09-03 04:30", 25),
    Gap("sp_m1", "2023-08-22 11:00", 60, probes=("ode-1",)),
)
