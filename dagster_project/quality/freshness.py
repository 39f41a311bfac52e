"""Source freshness: is each landing feed still delivering?

The thresholds are written once, in dbt/models/staging/_staging__sources.yml
(`loaded_at_field` and `freshness.warn_after` per source table), and read here from
dbt's manifest: no dbt process is started for them. Each source costs one query,
`max(loaded_at_field)` over the rows from the newest instant the loader recorded for its
files, or the last verdict's, on (all rows when neither finds one), judged as `dbt source
freshness` judges it (stale when the age is strictly greater than the threshold;
tests/test_freshness.py checks that both give the same verdicts on one warehouse). The
verdicts go to `audit.source_freshness`, which the serving copy carries to the app's
Datakvalitet page, and a stale feed is a warning in the run summary.

"Now" (R6): with an as-of instant the feeds are judged at it, over the rows that exist
as of it, as each table's `meta.exists_as_of` says ("checked_at < T": a check made at T
does not count; "recorded_at <= T": a version recorded at T does), the words the staging
views filter by (dbt/macros/exists_as_of.sql); without one, at the wall clock, with
every row, as dbt does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.catalog import has_table
from dagster_project.infra.rows import insert_rows

TABLE = "audit.source_freshness"
_PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Threshold:
    """A source table's freshness rule as dbt's manifest holds it."""

    source: str  # schema.table, e.g. raw.probe_checks
    loaded_at_field: str
    warn_after: tuple[int, str] | None  # (count, period), e.g. (1, 'hour')
    error_after: tuple[int, str] | None
    exists_as_of: str  # R6's cut as SQL with T as a parameter, e.g. 'checked_at < ?'
    filter: str | None = None

    @staticmethod
    def seconds(limit: tuple[int, str] | None) -> float | None:
        return None if limit is None else limit[0] * _PERIOD_SECONDS[limit[1]]

    @staticmethod
    def label(limit: tuple[int, str] | None) -> str | None:
        """'1 hour', '28 days'."""
        return None if limit is None else f"{limit[0]} {limit[1]}{'' if limit[0] == 1 else 's'}"


@dataclass(frozen=True)
class Verdict:
    """One source judged at one instant."""

    source: str
    loaded_at_field: str
    max_loaded_at: datetime | None  # the newest row's instant; None: no rows
    judged_at: datetime
    warn_after: str | None
    error_after: str | None
    status: str  # pass | warn | error (dbt's words)

    @property
    def age_seconds(self) -> float | None:
        if self.max_loaded_at is None:
            return None
        return (self.judged_at - self.max_loaded_at).total_seconds()

    @property
    def is_stale(self) -> bool:
        return self.status != "pass"

    def message(self) -> str:
        """The run summary's warning, e.g. 'raw.probe_checks is stale: newest checked_at
        2024-02-05 10:02:40 UTC, 43 d 12 h 57 min before 2024-03-19 23:00:00 UTC (warn
        after 1 hour)'."""
        limit = self.error_after if self.status == "error" else self.warn_after
        at = _utc(self.judged_at)
        if self.max_loaded_at is None:
            return f"{self.source} is stale: no rows at {at} (warn after {limit})"
        return (
            f"{self.source} is stale: newest {self.loaded_at_field} {_utc(self.max_loaded_at)}, "
            f"{duration(self.age_seconds)} before {at} ({self.status} after {limit})"
        )


def thresholds(manifest: Path) -> list[Threshold]:
    """Every source table with a loaded_at_field and a threshold, from dbt's manifest."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["sources"].values()
    out = []
    for node in sorted(nodes, key=lambda n: (n["schema"], n["identifier"])):
        freshness = node.get("freshness") or {}
        limits = [_limit(freshness.get(name)) for name in ("warn_after", "error_after")]
        if node.get("loaded_at_field") and any(limits):
            source = f"{node['schema']}.{node['identifier']}"
            out.append(
                Threshold(
                    source=source,
                    loaded_at_field=node["loaded_at_field"],
                    warn_after=limits[0],
                    error_after=limits[1],
                    exists_as_of=_cut(source, node["config"]["meta"].get("exists_as_of")),
                    filter=freshness.get("filter"),
                )
            )
    return out


def _cut(source: str, words: str | None) -> str:
    """'checked_at < T' as SQL with T a parameter, checked as the dbt macro checks it."""
    parts = (words or "").split()
    if len(parts) != 3 or parts[1] not in ("<", "<=") or parts[2] != "T":
        raise ValueError(
            f"{source}: meta.exists_as_of must read '<column> < T' or '<column> <= T', "
            f"not {words!r}"
        )
    return f"{parts[0]} {parts[1]} ?"


def judge(
    con: duckdb.DuckDBPyConnection, rules: list[Threshold], as_of: datetime | None = None
) -> list[Verdict]:
    """Each source's newest row against its thresholds, at `as_of` or else now."""
    now = as_of.astimezone(UTC) if as_of else datetime.now(UTC)
    judged, landed = _judged_before(con), _landed_newest(con)
    verdicts = []
    for rule in rules:
        conditions = [rule.filter] if rule.filter else []
        params = []
        if as_of is not None:
            conditions.append(rule.exists_as_of)
            params.append(now)
        newest = None
        # Among rows from an instant on, the scan reads only the newest row groups (a
        # year of checks at 200 services: 0.4 s -> 0.01 s), and their newest is the
        # newest of all whenever there is one. The instants tried: the newest row the
        # loader recorded for the source's files (a first run has no verdict yet), then
        # the last verdict's; when rows went since and neither finds one, every row.
        for bound in sorted({b for b in (landed.get(rule.source), judged.get(rule.source))
                             if b is not None}, reverse=True):  # fmt: skip
            newest = _newest(con, rule, [*conditions, f"{rule.loaded_at_field} >= ?"],
                             [*params, bound])  # fmt: skip
            if newest is not None:
                break
        if newest is None:
            newest = _newest(con, rule, conditions, params)
        newest = newest.astimezone(UTC) if newest is not None else None
        age = None if newest is None else (now - newest).total_seconds()
        verdicts.append(
            Verdict(
                source=rule.source,
                loaded_at_field=rule.loaded_at_field,
                max_loaded_at=newest,
                judged_at=now,
                warn_after=Threshold.label(rule.warn_after),
                error_after=Threshold.label(rule.error_after),
                status=_status(age, rule),
            )
        )
    return verdicts


def _newest(
    con: duckdb.DuckDBPyConnection, rule: Threshold, conditions: list[str], params: list
) -> datetime | None:
    where = f" where {' and '.join(f'({c})' for c in conditions)}" if conditions else ""
    (newest,) = con.execute(
        f"select max({rule.loaded_at_field}) from {rule.source}{where}", params
    ).fetchone()
    return newest


def _judged_before(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """Source -> the newest row the last recorded verdicts found (none recorded: empty)."""
    if not has_table(con, *TABLE.split(".")):
        return {}
    return dict(
        con.execute(
            f"select source, max_loaded_at from {TABLE} where max_loaded_at is not null"
        ).fetchall()
    )


def _landed_newest(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """Raw table -> the newest instant the loader recorded among its files' rows."""
    if not has_table(con, "audit", "loaded_files"):
        return {}
    return dict(
        con.execute(
            "select 'raw.' || source, max(last_at) from audit.loaded_files "
            "where last_at is not null group by source"
        ).fetchall()
    )


def record(con: duckdb.DuckDBPyConnection, verdicts: list[Verdict]) -> None:
    """Replace audit.source_freshness with these verdicts."""
    con.execute("create schema if not exists audit")
    con.execute(
        f"create or replace table {TABLE} (source varchar primary key, loaded_at_field varchar"
        " not null, max_loaded_at timestamptz, judged_at timestamptz not null, age_seconds"
        " double, warn_after varchar, error_after varchar, status varchar not null,"
        " message varchar)"
    )
    insert_rows(
        con,
        TABLE,
        [
            (v.source, v.loaded_at_field, v.max_loaded_at, v.judged_at, v.age_seconds,
             v.warn_after, v.error_after, v.status, v.message() if v.is_stale else None)
            for v in verdicts
        ],
    )  # fmt: skip


def check_sources(
    con: duckdb.DuckDBPyConnection, manifest: Path, as_of: datetime | None
) -> list[Verdict]:
    """Judge every source of the manifest and record the verdicts: what a run calls."""
    verdicts = judge(con, thresholds(manifest), as_of)
    record(con, verdicts)
    return verdicts


def duration(seconds: float) -> str:
    """'43 d 12 h 57 min', '2 h 0 min', '59 min' (whole minutes, rounded down)."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h {minutes} min"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _limit(value: dict | None) -> tuple[int, str] | None:
    if not value or value.get("count") is None or value.get("period") is None:
        return None
    return int(value["count"]), value["period"]


def _status(age: float | None, rule: Threshold) -> str:
    """dbt's rule: past error_after is an error, else past warn_after a warning. No
    rows at all is stale too (dbt reports that as a runtime error)."""
    for status, limit in (("error", rule.error_after), ("warn", rule.warn_after)):
        seconds = Threshold.seconds(limit)
        if seconds is not None and (age is None or age > seconds):
            return status
    return "pass"


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
