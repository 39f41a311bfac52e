"""Write the sample landing folder: a client of the data contract.

Probe checks are painted minute by minute onto one status array per service
and probe: first the scenario's fixed events (windows, incidents the probes
saw, coverage gaps), then, per service and month, just enough extra outage
minutes that the month shows the scenario's figure. The calibration is an
oracle of R4-R9 at minute resolution; the pipeline computes the figures on its
own from the files written here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dagster_project.sample import scenario as sc

UP, DEGRADED, DOWN, SILENT = 0, 1, 2, -1
STATUS_NAMES = np.array(["up", "degraded", "down"])
SEED = 20240131


def _utc(text: str) -> datetime:
    return sc.local(text).astimezone(UTC)


def _month_start(month: str) -> datetime:
    return sc.local(f"{month}-01 00:00").astimezone(UTC)


START = _month_start(sc.MONTHS[0])
END = _month_start(sc.next_month(sc.MONTHS[-1]))
MINUTES = int((END - START).total_seconds() // 60)


def _minute(moment: datetime) -> int:
    return int((moment - START).total_seconds() // 60)


def _span(start: str, end: str) -> slice:
    return slice(_minute(_utc(start)), _minute(_utc(end)))


def _month_span(month: str) -> slice:
    return slice(_minute(_month_start(month)), _minute(_month_start(sc.next_month(month))))


@dataclass
class ServiceTimeline:
    """Minute arrays of one service over the whole sample year."""

    probes: dict[str, np.ndarray]  # status per probe and minute
    incident_weight: np.ndarray  # largest incident impact per minute (R5, R7)
    excluded: np.ndarray  # inside a planned service window (R3)

    def majority(self) -> np.ndarray:
        """R4: the service's status per minute from its probes (SILENT: unknown)."""
        stack = np.stack(list(self.probes.values()))
        reporting = (stack != SILENT).sum(axis=0)
        down = (stack == DOWN).sum(axis=0)
        bad = (stack >= DEGRADED).sum(axis=0)
        status = np.where(bad * 2 > reporting, DEGRADED, UP)
        status = np.where(down * 2 > reporting, DOWN, status)
        return np.where(reporting == 0, SILENT, status)


def _paint(timeline: ServiceTimeline, where: slice | np.ndarray, status: int) -> None:
    for probe in timeline.probes.values():
        probe[where] = status


def build_timelines() -> dict[str, ServiceTimeline]:
    timelines = {}
    for service_id in sc.TARGET_FIGURES:
        probes = sc.PROBES.get(service_id, sc.DEFAULT_PROBES)
        timelines[service_id] = ServiceTimeline(
            probes={p: np.zeros(MINUTES, dtype=np.int8) for p in probes},
            incident_weight=np.zeros(MINUTES),
            excluded=np.zeros(MINUTES, dtype=bool),
        )
    for window in sc.WINDOWS:
        span = _span(window.starts_at, window.ends_at)
        planned = window.announced_at <= window.starts_at
        for service_id in window.service_ids:
            _paint(timelines[service_id], span, DOWN if window.probe_status == "down" else DEGRADED)
            timelines[service_id].excluded[span] |= planned
    for incident in sc.INCIDENTS:
        final = incident.versions[-1]
        if final.status == "cancelled":
            continue
        span = _span(incident.started_at, final.ended_at or "2024-02-01 00:00")
        weight = 1.0 if incident.severity == "red" else incident.impact or 1.0
        for service_id in incident.service_ids:
            line = timelines[service_id].incident_weight
            line[span] = np.maximum(line[span], weight)
            if incident.probes_down:
                _paint(timelines[service_id], span, DOWN)
    for gap in sc.GAPS:
        start = _minute(_utc(gap.starts_at))
        for probe_id, probe in timelines[gap.service_id].probes.items():
            if not gap.probes or probe_id in gap.probes:
                probe[start : start + gap.minutes] = SILENT
    return timelines


def _display(downtime_minutes: np.ndarray, service_minutes: int) -> np.ndarray:
    """R8/R9 at two decimals, half-up, for an array of candidate downtimes."""
    exact = 100 * (1 - downtime_minutes / service_minutes)
    return np.array(
        [Decimal(repr(v)).quantize(Decimal("0.01"), ROUND_HALF_UP) for v in exact.tolist()]
    )


def calibrate(timelines: dict[str, ServiceTimeline], rng: np.random.Generator) -> None:
    """Add the outage minutes each service-month needs to show its scenario figure."""
    for service_id, figures in sc.TARGET_FIGURES.items():
        timeline = timelines[service_id]
        status = timeline.majority()
        for month, figure in zip(sc.MONTHS, figures, strict=True):
            span = _month_span(month)
            counted = ~timeline.excluded[span]
            probe_weight = np.where(status[span] >= DEGRADED, 1.0, 0.0)
            weight = np.maximum(probe_weight, timeline.incident_weight[span])
            service_minutes = int(counted.sum())
            base = float((weight * counted).sum())
            # Candidates: quiet minutes at the month's lowest incident weight,
            # away from the first and last day.
            background = timeline.incident_weight[span].min()
            quiet = counted & (probe_weight == 0) & (status[span] != SILENT)
            quiet &= timeline.incident_weight[span] == background
            quiet[: 24 * 60] = quiet[-24 * 60 :] = False
            candidates = np.flatnonzero(quiet)
            order = np.roll(candidates, -int(rng.integers(len(candidates))))
            downtime = base + np.concatenate(
                [[0.0], np.cumsum(np.full(len(order), 1 - background))]
            )
            shown = _display(
                downtime[: _search_limit(downtime, service_minutes, figure)], service_minutes
            )
            matches = np.flatnonzero(shown == Decimal(figure))
            if len(matches) == 0:
                raise ValueError(f"cannot reach {figure} for {service_id} {month}")
            exact = 100 * (1 - downtime[matches] / service_minutes)
            extra = int(matches[np.argmin(np.abs(exact - float(figure)))])
            chosen = order[:extra] + span.start
            red_share = 0.25 if (service_id, month) in sc.YELLOW_CELLS else 0.75
            n_red = round(extra * red_share)
            _paint(timeline, chosen[:n_red], DOWN)
            _paint(timeline, chosen[n_red:], DEGRADED)


def _search_limit(downtime: np.ndarray, service_minutes: int, figure: str) -> int:
    """Candidate counts worth rounding: those down to just below the figure's bucket."""
    floor = service_minutes * (1 - (float(figure) - 0.01) / 100)
    return int(np.searchsorted(downtime, floor, side="right")) + 1


def _add_noise(timelines: dict[str, ServiceTimeline]) -> None:
    """Lone `down` reports from one probe of several, which R4's majority outvotes."""
    minutes = np.arange(MINUTES)
    for timeline in timelines.values():
        probes = list(timeline.probes.values())
        if len(probes) >= 2:
            lonely = (minutes % 1440 == 197) | (minutes % 10_080 == 5_000)
            last = probes[-1]
            last[lonely & (last == UP) & (probes[0] == UP)] = DOWN


def _write_probe_checks(timelines: dict[str, ServiceTimeline], out: Path) -> None:
    folder = out / "probe_checks"
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    offsets = {"cph-1": 5, "aar-1": 25, "ode-1": 45}
    for month in sc.MONTHS:
        span = _month_span(month)
        frames = []
        for service_id, timeline in timelines.items():
            for probe_id, statuses in timeline.probes.items():
                status = statuses[span]
                keep = np.flatnonzero(status != SILENT)
                minute = keep + span.start
                # A second, identical check at 10:00 UTC each day (R4: worst of both).
                twice = minute[minute % 1440 == 600]
                seconds = np.concatenate([minute * 60 + offsets[probe_id], twice * 60 + 50])
                codes = np.concatenate([status[keep], statuses[twice]]).astype(np.int64)
                response = np.where(
                    codes == DOWN, -1, 80 + (seconds * 7 + len(service_id)) % 220 + 2000 * codes
                )
                frames.append(
                    pd.DataFrame(
                        {
                            "epoch": seconds + int(START.timestamp()),
                            "service_id": service_id,
                            "probe_id": probe_id,
                            "status": STATUS_NAMES[codes],
                            "response_ms": response,
                        }
                    )
                )
        checks = pd.concat(frames).sort_values(["epoch", "service_id", "probe_id"], kind="stable")
        con.register("checks", checks)
        target = str(folder / f"{month}.csv.gz").replace("'", "''")
        con.execute(
            f"""
            copy (
                select
                    strftime(make_timestamp(epoch * 1000000), '%Y-%m-%dT%H:%M:%SZ') as checked_at,
                    service_id, probe_id, status,
                    case when response_ms >= 0 then response_ms end as response_ms
                from checks
            ) to '{target}' (header, compression gzip)
            """
        )
        con.unregister("checks")
    con.close()


def _iso(text: str | None) -> str | None:
    return None if text is None else sc.local(text).isoformat()


def _write_incidents(out: Path) -> None:
    folder = out / "incidents"
    folder.mkdir(parents=True, exist_ok=True)
    by_year: dict[str, list[dict]] = {}
    for incident in sc.INCIDENTS:
        for version in incident.versions:
            record = {
                "incident_id": incident.incident_id,
                "recorded_at": _iso(version.recorded_at),
                "service_ids": list(incident.service_ids),
                "severity": incident.severity,
                "impact": incident.impact,
                "started_at": _iso(incident.started_at),
                "ended_at": _iso(version.ended_at),
                "status": version.status,
                "service_code": incident.service_code,
                "title": incident.title,
                "description": incident.description,
                "cause": version.cause,
                "resolution": version.resolution,
            }
            by_year.setdefault(version.recorded_at[:4], []).append(record)
    for year, records in by_year.items():
        records.sort(key=lambda r: r["recorded_at"])
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        (folder / f"incidents-{year}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")


def _write_service_windows(out: Path) -> None:
    rows = [
        {
            "window_id": w.window_id,
            "service_id": service_id,
            "starts_at": _iso(w.starts_at),
            "ends_at": _iso(w.ends_at),
            "announced_at": _iso(w.announced_at),
            "description": w.description,
        }
        for w in sc.WINDOWS
        for service_id in w.service_ids
    ]
    _write_csv(out / "service_windows" / "service_windows.csv", pd.DataFrame(rows))


def _write_changes(out: Path, rng: np.random.Generator) -> None:
    for month_index, month in enumerate(sc.MONTHS):
        start = _month_start(month)
        length = (_month_start(sc.next_month(month)) - start).total_seconds()
        rows = []
        for area, counts in sc.PRODUCTION_CHANGES.items():
            prefix = "CHG" if area == "stoettesystemer" else "SPC"
            extra = [("test", 3), ("preprod", 2)]
            for environment, count in [("production", counts[month_index]), *extra]:
                for _ in range(count):
                    offset = timedelta(seconds=int(rng.integers(3600, length - 3600)))
                    rows.append(
                        {
                            "area": area,
                            "environment": environment,
                            "kind": "fix" if rng.random() < 0.3 else "change",
                            "deployed_at": (start + offset).isoformat().replace("+00:00", "Z"),
                            "summary": f"{'Rettelse' if rng.random() < 0.3 else 'Ændring'} "
                            f"i {'Serviceplatformen' if prefix == 'SPC' else 'støttesystemerne'}",
                        }
                    )
        frame = pd.DataFrame(rows).sort_values("deployed_at", kind="stable")
        frame.insert(0, "change_id", [f"CHG-{month}-{i:04d}" for i in range(1, len(frame) + 1)])
        # A change rolled out in two steps is listed twice and still counts once (R12).
        frame = pd.concat([frame, frame[frame["environment"] == "production"].head(1)])
        _write_csv(out / "changes" / f"changes-{month}.csv", frame)


def _write_service_calls(out: Path) -> None:
    hours_local = np.arange(24)
    diurnal = 0.3 + np.exp(-((hours_local - 11.5) ** 2) / 18)
    code_share = np.array([0.34, 0.08, 0.21, 0.2, 0.12, 0.05])
    env_share = np.array([0.56, 0.44])
    for month, total in zip(sc.MONTHS, sc.SERVICE_CALLS, strict=True):
        start = _month_start(month)
        hours = int((_month_start(sc.next_month(month)) - start).total_seconds() // 3600)
        stamps = [start + timedelta(hours=h) for h in range(hours)]
        local_hour = np.array([s.astimezone(sc.CPH).hour for s in stamps])
        weights = np.einsum("h,e,c->hec", diurnal[local_hour], env_share, code_share).ravel()
        calls = _allocate(total, weights)
        failed = calls // 997
        index = pd.MultiIndex.from_product(
            [[s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in stamps], ["m1", "m2"], sc.SERVICE_CODES],
            names=["period_start", "environment", "service_code"],
        )
        frame = pd.DataFrame({"calls": calls, "failed_calls": failed}, index=index).reset_index()
        _write_csv(out / "service_calls" / f"service_calls-{month}.csv", frame)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total by weights exactly (largest remainder)."""
    share = weights / weights.sum() * total
    counts = np.floor(share).astype(np.int64)
    remainder = total - int(counts.sum())
    counts[np.argsort(-(share - counts), kind="stable")[:remainder]] += 1
    return counts


def write_sample(out: Path) -> Path:
    """Write the whole sample landing folder under `out`; deterministic."""
    rng = np.random.default_rng(SEED)
    timelines = build_timelines()
    calibrate(timelines, rng)
    _add_noise(timelines)
    _write_probe_checks(timelines, out)
    _write_incidents(out)
    _write_service_windows(out)
    _write_changes(out, rng)
    _write_service_calls(out)
    return out
