"""Validate one landed file's rows in raw.<source> against its suite with GX.

GX 1.x has no DuckDB data source, so the rows go to the suite as pandas frames in
bounded chunks (memory stays flat for a year of minute checks): DuckDB writes them
to a Parquet file in a scratch folder, which GX's side reads (gx_run.py), in the GX
worker process when the run started one (gx_worker.py); this process never imports
pandas or pyarrow (0.6-1 s of a run's start). Per expectation the chunk results are
summed into one outcome for the file.

A file of more than SAMPLE_ABOVE rows is validated on a sample of at most SAMPLE_ABOVE
rows (fewer when many files are validated at once, see sample_size): pandas costs about
a second per million rows, more than the whole SLA computation at hundreds of millions
of checks. The sample is SAMPLE_STRETCHES stretches of consecutive lines spread evenly
from the file's first line to its last (a monthly file of minute checks: four times of
the month, every service and probe in each), which DuckDB reads from their own row
groups only: 0.04-0.06 s for the four from a month of 17 million checks at 200
services, where every n-th line read every row group (0.24 s a file). A file's rows are
read from its own parts of the raw store, not through the raw view (store.file_rows).
Every row has passed the loader's contract checks in SQL already; the suite is the
second line.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.landing import store
from dagster_project.landing.checks import sql_string
from dagster_project.landing.sources import SOURCES_BY_NAME
from dagster_project.quality import gx_worker
from dagster_project.quality.results import (
    ExpectationOutcome,
    ValidationOutcome,
    files_to_validate,
    forget_unloaded,
    save_outcomes,
)
from dagster_project.quality.suites import suite_document, suite_parameters
from dagster_project.settings import DEFAULT_REFERENCE_DIR

SAMPLE_ABOVE = 100_000
RUN_SAMPLE = 500_000
MIN_SAMPLE = 10_000
SAMPLE_STRETCHES = 4
CHUNK_ROWS = 500_000  # rows GX validates at a time


@dataclass
class Sample:
    """A file's rows to validate, written to a Parquet file, with its outcome to fill in
    and the sample size per file it was drawn with (sample_size)."""

    outcome: ValidationOutcome
    path: str
    size: int


def validate_pending(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    reference_dir: Path,
    written: Mapping[str, Sample] | None = None,
) -> tuple[list[str], list[ValidationOutcome]]:
    """The source's files loaded or changed since their last validation, each validated,
    once the results of files no longer loaded are dropped: the files and their outcomes.
    `written`: samples written as the files were loaded (quality/early.py)."""
    forget_unloaded(con, source_name)
    pending = files_to_validate(con, source_name)
    return pending, validate_files(con, source_name, pending, reference_dir, written)


def validate_file(con: duckdb.DuckDBPyConnection, source_name: str, file: str) -> ValidationOutcome:
    """Validate the rows `file` gave raw.<source_name> and store the outcome."""
    return validate_files(con, source_name, [file])[0]


def validate_files(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    files: list[str],
    reference_dir: Path = DEFAULT_REFERENCE_DIR,
    written: Mapping[str, Sample] | None = None,
) -> list[ValidationOutcome]:
    """Validate each file's rows and store each outcome.

    GX costs about a second per validation whatever the rows, so the samples of many
    files are validated together, up to CHUNK_ROWS rows at a time. A batch that passes
    passes for each of its files; only a batch that fails is validated again file by
    file, so that every failure is recorded against the file it came from. A sample in
    `written` is used where it is of the file's content as loaded and of this size.
    """
    con.execute("set TimeZone = 'UTC'")
    parameters = suite_parameters(reference_dir)
    outcomes: list[ValidationOutcome] = []
    batch: list[tuple[ValidationOutcome, str]] = []
    size = sample_size(len(files))
    with tempfile.TemporaryDirectory(prefix="driftsstatus-gx-") as scratch:
        for number, file in enumerate(files):
            sample = (written or {}).get(file)
            if sample is None or (sample.size, sample.outcome.sha256) != (
                size,
                _loaded_sha(con, source_name, file),
            ):
                path = str(Path(scratch) / f"{number}.parquet")
                sample = write_sample(con, source_name, file, size, path)
            batch.append((sample.outcome, sample.path))
            if sum(o.rows for o, _ in batch) >= CHUNK_ROWS:
                outcomes += _validate_batch(con, batch, parameters)
                batch = []
        return outcomes + _validate_batch(con, batch, parameters)


def write_sample(
    con: duckdb.DuckDBPyConnection, source_name: str, file: str, size: int, path: str
) -> Sample:
    """The file's sample of `size` rows at most (sample_stretches), written to `path`."""
    started = time.perf_counter()
    con.execute("set TimeZone = 'UTC'")
    # The file's rows from its own parts of the raw store (store.file_rows).
    rows = store.file_rows(con, SOURCES_BY_NAME[source_name], file)
    outcome, lines = _new_outcome(con, source_name, file, rows)
    outcome.rows = _write_sample(con, source_name, rows, sample_stretches(lines, size), path)
    outcome.chunks = max(1, math.ceil(outcome.rows / CHUNK_ROWS))
    outcome.seconds = time.perf_counter() - started
    return Sample(outcome, path, size)


def sample_size(files: int) -> int:
    """Rows validated at most per file: SAMPLE_ABOVE, less when many files come at once
    (a reload of a year of daily files), so one run validates about RUN_SAMPLE rows."""
    return min(SAMPLE_ABOVE, max(MIN_SAMPLE, RUN_SAMPLE // max(files, 1)))


def sample_stretches(lines: tuple[int, int] | None, sample: int) -> list[tuple[int, int]]:
    """The line ranges (first, last; inclusive) validated of a file whose rows lie on
    `lines` (its first and last row's line; None: no rows): one over every line when
    they are `sample` lines or fewer, else SAMPLE_STRETCHES ranges of `sample` lines in
    all, the first from the first line, the last to the last line, the others evenly
    between."""
    if lines is None:
        return []
    first, last = lines
    span = last - first + 1
    if span <= sample:
        return [(first, last)]
    count = min(SAMPLE_STRETCHES, sample)
    lengths = [sample // count + (i < sample % count) for i in range(count)]
    stretches = []
    for i, length in enumerate(lengths):
        start = first + (span - length) * i // (count - 1) if count > 1 else first
        stretches.append((start, start + length - 1))
    return stretches


def _new_outcome(
    con: duckdb.DuckDBPyConnection, source_name: str, file: str, rows: str
) -> tuple[ValidationOutcome, tuple[int, int] | None]:
    """The file's outcome to fill in, with its `rows` (SQL) counted, and its first and
    last row's line (None: no rows)."""
    outcome = ValidationOutcome(
        source_name, file, _loaded_sha(con, source_name, file), suite_document(source_name)["name"]
    )
    [(outcome.rows_in_file, first, last)] = con.execute(
        f"select count(*), min(_line), max(_line) from {rows}"
    ).fetchall()
    return outcome, None if first is None else (first, last)


def _loaded_sha(con: duckdb.DuckDBPyConnection, source_name: str, file: str) -> str | None:
    """The hash of the file's content the raw table holds (None: not loaded)."""
    found = con.execute(
        "select sha256 from audit.loaded_files where source = ? and file = ?",
        [source_name, file],
    ).fetchall()
    return found[0][0] if found else None


def _validate_batch(
    con: duckdb.DuckDBPyConnection,
    batch: list[tuple[ValidationOutcome, str]],
    parameters: dict[str, Any],
) -> list[ValidationOutcome]:
    if len(batch) < 2 or not _passed_together(batch, parameters):
        for outcome, path in batch:
            started = time.perf_counter()
            outcome.expectations = gx_worker.run_suite(
                outcome.source, [path], parameters, CHUNK_ROWS
            )
            outcome.seconds += time.perf_counter() - started
    outcomes = [outcome for outcome, _ in batch]
    save_outcomes(con, outcomes)
    return outcomes


def _passed_together(
    batch: list[tuple[ValidationOutcome, str]], parameters: dict[str, Any]
) -> bool:
    """Whether the batch's samples, validated at once, pass; if so, each outcome is filled
    in with its share."""
    started = time.perf_counter()
    samples = [path for _, path in batch]
    together = gx_worker.run_suite(batch[0][0].source, samples, parameters, CHUNK_ROWS)
    if not all(e.success for e in together):
        return False
    share = (time.perf_counter() - started) / len(batch)
    for outcome, _ in batch:
        outcome.expectations = _passed_for(together, outcome.rows)
        outcome.seconds += share
    return True


def _passed_for(together: list[ExpectationOutcome], rows: int) -> list[ExpectationOutcome]:
    """A file's share of a batch that passed: every expectation met on its rows."""
    return [
        ExpectationOutcome(
            e.expectation_type,
            e.column,
            unexpected_count=None if e.unexpected_count is None else 0,
            element_count=rows,
        )
        for e in together
    ]


def _write_sample(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    rows: str,
    stretches: list[tuple[int, int]],
    path: str,
) -> int:
    """The file's `rows` (SQL) on the lines of `stretches`, in line order, written to the
    Parquet file `path`; how many.

    A list column comes with its length in `<column>__length`, because GX's length
    expectations only measure strings.
    """
    lists = [
        name
        for name, data_type in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?",
            [source_name],
        ).fetchall()
        if data_type.endswith("[]")
    ]
    lengths = "".join(f", len({name}) as {name}__length" for name in lists)
    # One filter for the stretches: DuckDB skips the row groups outside them.
    lines = " or ".join(f"_line between {int(a)} and {int(b)}" for a, b in stretches)
    [(written,)] = con.execute(
        f"copy (select * exclude (_file){lengths} from {rows} where {lines or 'false'} "
        f"order by _line) to {sql_string(path)} (format parquet)"
    ).fetchall()
    return int(written)
