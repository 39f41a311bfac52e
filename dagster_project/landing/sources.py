"""The landing sources of the data contract: folders, file types, columns and row rules.

Each column is checked in SQL while the file streams through DuckDB; a failed
check becomes a reject reason naming the column and the rule, e.g.
``checked_at: no UTC offset in '2024-01-05 10:00:00'``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

JSON_STRING = r'"([^"\\]|\\.)*"'  # a JSON string literal, its escapes included
# What an id may not hold: control characters, and the spaces and marks a screen does not
# show (no-break and zero-width spaces, direction marks, a byte order mark). 'p1' with a
# zero-width space, or a no-break space inside, would be a probe of its own, voting apart
# (R4); blanks around a value are trimmed before (a no-break space too).
INVISIBLE = (
    "[\x01-\x1f\x7f-\x9f\xa0\xad\u061c\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]"
)


@dataclass(frozen=True)
class Column:
    name: str
    # timestamp | text | id (text that names something: no invisible character) | enum |
    # int | number | id_list | service_id
    kind: str
    required: bool = True
    allowed: tuple[str, ...] = ()
    # The values allowed, [minimum, maximum] ((minimum, maximum] if exclusive_minimum); an
    # int's maximum is also its raw column's type bound (an INTEGER holds no more).
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    # A timestamp of something planned (a service window) may lie ahead of today, up to
    # timeline.PLANNED_AHEAD; every other timestamp has happened by the day in progress.
    planned: bool = False


@dataclass(frozen=True)
class Source:
    name: str  # folder under the landing dir and table under raw.
    file_types: tuple[str, ...]
    columns: tuple[Column, ...]
    row_rules: tuple[tuple[str, str], ...] = field(default=())  # (sql condition, reason)
    # (condition, reason): a row failing one is rejected with the first such reason alone
    # (its fields are unreadable), each condition read only where those before it hold.
    readable: tuple[tuple[str, str], ...] = ()
    # The columns whose earliest and latest instant bound the months a row bears on;
    # `open_ended`: the row also bears on every later month (incidents, R6).
    time_columns: tuple[str, ...] = ()
    open_ended: bool = False
    # Loaded per Copenhagen day (the row's first time column): the minute-level sources.
    daily: bool = False

    @property
    def table(self) -> str:
        """What the models read: a table, or for a source kept in the raw store a view
        over its copies (landing/store.py)."""
        return f"raw.{self.name}"

    @property
    def kept_in_store(self) -> bool:
        """The sources of minute data (they land Parquet too): their rows are kept as
        Parquet copies beside the warehouse, not as a table in it."""
        return ".parquet" in self.file_types

    @property
    def rows_table(self) -> str:
        """The table of rows: for a source kept in the store, the text rows loaded by a
        version from before the store (the view includes them)."""
        return f"raw.{self.name}_rows" if self.kept_in_store else self.table


TS = "timestamp"
INTEGER_MAX = 2**31 - 1

INCIDENT_COLUMNS = (
    Column("incident_id", "id"),
    Column("recorded_at", TS),
    Column("service_ids", "id_list"),
    Column("severity", "enum", allowed=("red", "yellow")),
    Column("impact", "number", required=False, minimum=0, maximum=1, exclusive_minimum=True),
    Column("started_at", TS),
    Column("ended_at", TS, required=False),
    Column("status", "enum", allowed=("open", "resolved", "cancelled")),
    Column("service_code", "id", required=False),
    Column("title", "text", required=False),
    Column("description", "text", required=False),
    Column("cause", "text", required=False),
    Column("resolution", "text", required=False),
)

SOURCES = (
    Source(
        "probe_checks",
        (".csv", ".csv.gz", ".parquet"),
        (
            Column("checked_at", TS),
            Column("service_id", "service_id"),
            Column("probe_id", "id"),
            Column("status", "enum", allowed=("up", "degraded", "down")),
            Column("response_ms", "int", required=False, minimum=0, maximum=INTEGER_MAX),
        ),
        time_columns=("checked_at",),
        daily=True,
    ),
    Source(
        "incidents",
        (".jsonl", ".jsonl.gz", ".json", ".ndjson"),
        INCIDENT_COLUMNS,
        (
            ("ended_at is null or ended_at >= started_at", "ended_at: before started_at"),
            # Null while open (the contract): a resolved incident without an end would
            # count as down until T (R6).
            ("status <> 'resolved' or ended_at is not null", "ended_at: missing, but resolved"),
        ),
        readable=(
            (
                "case when json_valid(_raw) then json_type(_raw) = 'OBJECT' else false end",
                "line: not a JSON object",
            ),
            # DuckDB's JSON is lenient where RFC 8259 is not: a trailing comma, NaN or
            # Infinity pass json_valid. Outside its strings a strict line has none of them.
            (
                f"not regexp_matches(regexp_replace(_raw, '{JSON_STRING}', '\"\"', 'g'), "
                r"'(?i)nan|inf|,\s*[\]}]')",
                "line: not strict JSON (a trailing comma, NaN or Infinity)",
            ),
            # Which of the two values holds, the line does not say (a CSV header naming a
            # column twice rejects the file).
            (
                "len(json_keys(_raw)) = len(list_distinct(json_keys(_raw)))",
                "line: a key named twice",
            ),
            # An object or a list where the contract has one value would be read as its
            # JSON text ('{"a": 1}' an incident id).
            *(
                (
                    f"coalesce(json_type(_raw, '$.{c.name}') not in ('OBJECT', 'ARRAY'), true)",
                    f"{c.name}: an object or a list, not one value",
                )
                for c in INCIDENT_COLUMNS
                if c.kind != "id_list"
            ),
            # A number the sender quoted ("0.5") is a JSON string: read strictly, as a
            # CSV integer is digits.
            *(
                (
                    f"coalesce(json_type(_raw, '$.{c.name}') <> 'VARCHAR', true)",
                    f"{c.name}: a JSON string, not a number",
                )
                for c in INCIDENT_COLUMNS
                if c.kind in ("int", "number")
            ),
        ),
        time_columns=("started_at", "ended_at"),
        open_ended=True,
    ),
    Source(
        "service_windows",
        (".csv", ".csv.gz"),
        (
            Column("window_id", "id"),
            Column("service_id", "service_id"),
            Column("starts_at", TS, planned=True),
            Column("ends_at", TS, planned=True),
            Column("announced_at", TS),
            Column("description", "text", required=False),
        ),
        (("ends_at >= starts_at", "ends_at: before starts_at"),),
        time_columns=("starts_at", "ends_at"),
    ),
    Source(
        "changes",
        (".csv", ".csv.gz"),
        (
            Column("change_id", "id"),
            Column("area", "enum", allowed=("stoettesystemer", "serviceplatformen")),
            Column("environment", "text"),
            Column("kind", "enum", allowed=("change", "fix")),
            Column("deployed_at", TS),
            Column("summary", "text", required=False),
        ),
        time_columns=("deployed_at",),
    ),
    Source(
        "service_calls",
        (".csv", ".csv.gz"),
        (
            Column("period_start", TS),
            Column("environment", "enum", allowed=("m1", "m2")),
            Column("service_code", "id"),
            Column("calls", "int", minimum=0),
            Column("failed_calls", "int", minimum=0),
        ),
        (
            ("failed_calls <= calls", "failed_calls: greater than calls"),
            # A count of an hour (the contract): another instant would put its calls in
            # the hour it falls in and leave a gap or a second count there. In UTC, as
            # every connection reads instants; Copenhagen's hours are UTC's.
            (
                "date_trunc('hour', period_start) = period_start",
                "period_start: not the start of an hour",
            ),
        ),
        time_columns=("period_start",),
        daily=True,
    ),
)

SOURCES_BY_NAME = {source.name: source for source in SOURCES}
