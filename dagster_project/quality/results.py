"""audit.validation_results: what each suite found in each landed file (file + hash).

A file is validated again only when its content hash changes; the rows of a
(source, file) are replaced as a whole, and rows of files no longer landed go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from dagster_project.infra.rows import insert_rows


@dataclass
class ExpectationOutcome:
    expectation_type: str
    column: str | None
    success: bool = True
    unexpected_count: int | None = None  # None: a whole-column expectation (type, existence)
    element_count: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class ValidationOutcome:
    source: str
    file: str
    sha256: str | None
    suite: str
    rows: int = 0  # rows validated
    rows_in_file: int = 0
    chunks: int = 0
    seconds: float = 0.0
    expectations: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(e.success for e in self.expectations)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]


RESULTS_DDL = """
create schema if not exists audit;
create table if not exists audit.validation_results (
    source varchar not null,
    file varchar not null,
    sha256 varchar,                   -- of the file as loaded (audit.loaded_files)
    suite varchar not null,
    expectation_type varchar not null,
    column_name varchar,              -- "a,b" for pair expectations, null for table ones
    success boolean not null,
    unexpected_count bigint,          -- null for whole-column ones (type, existence)
    element_count bigint not null,
    unexpected_examples varchar[],    -- a few 'line N: value' (or the observed value)
    validated_at timestamptz not null
);
"""


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RESULTS_DDL)


def save_outcomes(con: duckdb.DuckDBPyConnection, outcomes: list[ValidationOutcome]) -> None:
    """Replace the rows of each outcome's (source, file) by that outcome, all in one
    transaction (one statement each: infra/rows.py)."""
    if not outcomes:
        return
    ensure_results_table(con)
    validated_at = datetime.now(UTC)
    rows = [
        (
            outcome.source,
            outcome.file,
            outcome.sha256,
            outcome.suite,
            e.expectation_type,
            e.column,
            e.success,
            e.unexpected_count,
            e.element_count,
            e.examples,
            validated_at,
        )
        for outcome in outcomes
        for e in outcome.expectations
    ]
    con.execute("begin transaction")
    try:
        con.execute(
            "delete from audit.validation_results "
            "where (source, file) in (select unnest($sources), unnest($files))",
            {"sources": [o.source for o in outcomes], "files": [o.file for o in outcomes]},
        )
        insert_rows(con, "audit.validation_results", rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def files_to_validate(con: duckdb.DuckDBPyConnection, source_name: str) -> list[str]:
    """Loaded files of the source whose rows changed since their last validation (a new
    hash, or more days of it loaded)."""
    ensure_results_table(con)
    return [
        row[0]
        for row in con.execute(
            """
            select f.file from audit.loaded_files f
            where f.source = ? and not exists (
                select 1 from audit.validation_results r
                where r.source = f.source and r.file = f.file and r.sha256 = f.sha256
                    and r.validated_at >= f.loaded_at
            )
            order by f.file
            """,
            [source_name],
        ).fetchall()
    ]


def forget_unloaded(con: duckdb.DuckDBPyConnection, source_name: str) -> int:
    """Drop results of files the loader no longer holds (removed from the landing folder)."""
    ensure_results_table(con)
    removed = con.execute(
        """
        delete from audit.validation_results r
        where r.source = ? and not exists (
            select 1 from audit.loaded_files f where f.source = r.source and f.file = r.file
        )
        returning 1
        """,
        [source_name],
    ).fetchall()
    return len(removed)


def current_failures(
    con: duckdb.DuckDBPyConnection, source_name: str
) -> list[tuple[str, str, str | None, int | None, list[str]]]:
    """Failed expectations on the rows now in raw.<source>, earlier runs' files included.

    (file, expectation_type, column_name, unexpected_count, examples), by file.
    """
    ensure_results_table(con)
    return con.execute(
        """
        select r.file, r.expectation_type, r.column_name, r.unexpected_count,
               r.unexpected_examples
        from audit.validation_results r
        join audit.loaded_files f
          on f.source = r.source and f.file = r.file and f.sha256 = r.sha256
        where r.source = ? and not r.success
        order by r.file, r.expectation_type, r.column_name
        """,
        [source_name],
    ).fetchall()
