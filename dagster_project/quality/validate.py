"""Validate one landed file's rows in raw.<source> against its suite with GX.

GX 1.x has no DuckDB data source, so the rows are read as pandas frames in
bounded chunks (memory stays flat for a year of minute checks) and each chunk
is validated with one ephemeral GX context per process. Per expectation the
chunk results are summed into one outcome for the file.

A file of more than SAMPLE_ABOVE rows is validated on every n-th line, at most
SAMPLE_ABOVE rows (fewer when many files are validated at once, see sample_size):
pandas costs about a second per million rows, more than the whole SLA computation
at hundreds of millions of checks. Every row has passed
the loader's contract checks in SQL already; the suite is the second line.
"""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from pandas.errors import Pandas4Warning

from dagster_project.landing.checks import sql_string
from dagster_project.quality.results import ExpectationOutcome, ValidationOutcome, save_outcome
from dagster_project.quality.suites import gx_suite, suite_parameters
from dagster_project.settings import DEFAULT_REFERENCE_DIR

CHUNK_ROWS = 500_000
SAMPLE_ABOVE = 100_000
RUN_SAMPLE = 500_000
MIN_SAMPLE = 10_000
VECTOR_ROWS = 2048  # DuckDB's vector size: fetch_df_chunk counts in vectors
MAX_EXAMPLES = 5
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}


def validate_file(con: duckdb.DuckDBPyConnection, source_name: str, file: str) -> ValidationOutcome:
    """Validate the rows `file` gave raw.<source_name> and store the outcome."""
    return validate_files(con, source_name, [file])[0]


def validate_files(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    files: list[str],
    reference_dir: Path = DEFAULT_REFERENCE_DIR,
) -> list[ValidationOutcome]:
    """Validate each file's rows and store each outcome.

    GX costs about a second per validation whatever the rows, so the samples of many
    files are validated together, up to CHUNK_ROWS rows at a time. A batch that passes
    passes for each of its files; only a batch that fails is validated again file by
    file, so that every failure is recorded against the file it came from.
    """
    con.execute("set TimeZone = 'UTC'")
    parameters = suite_parameters(reference_dir)
    outcomes: list[ValidationOutcome] = []
    batch: list[tuple[ValidationOutcome, list[pd.DataFrame]]] = []
    sample = sample_size(len(files))
    for file in files:
        started = time.perf_counter()
        outcome = _new_outcome(con, source_name, file)
        every = max(1, -(-outcome.rows_in_file // sample))  # 1: every line
        frames = list(_chunks(con, source_name, file, every))
        outcome.seconds = time.perf_counter() - started
        batch.append((outcome, frames))
        if sum(len(f) for _, fs in batch for f in fs) >= CHUNK_ROWS:
            outcomes += _validate_batch(con, batch, parameters)
            batch = []
    return outcomes + _validate_batch(con, batch, parameters)


def sample_size(files: int) -> int:
    """Rows validated at most per file: SAMPLE_ABOVE, less when many files come at once
    (a reload of a year of daily files), so one run validates about RUN_SAMPLE rows."""
    return min(SAMPLE_ABOVE, max(MIN_SAMPLE, RUN_SAMPLE // max(files, 1)))


def _new_outcome(con: duckdb.DuckDBPyConnection, source_name: str, file: str) -> ValidationOutcome:
    found = con.execute(
        "select sha256 from audit.loaded_files where source = ? and file = ?",
        [source_name, file],
    ).fetchone()
    outcome = ValidationOutcome(
        source_name, file, found[0] if found else None, gx_suite(source_name).name
    )
    # A literal file name: DuckDB then reads only that file's part of a raw view.
    (outcome.rows_in_file,) = con.execute(
        f"select count(*) from raw.{source_name} where _file = {sql_string(file)}"
    ).fetchone()
    return outcome


def _validate_batch(
    con: duckdb.DuckDBPyConnection,
    batch: list[tuple[ValidationOutcome, list[pd.DataFrame]]],
    parameters: dict[str, Any],
) -> list[ValidationOutcome]:
    if len(batch) > 1:
        started = time.perf_counter()
        frames = [f for _, fs in batch for f in fs]
        together = _run_suite(batch[0][0].source, frames, parameters)
        if all(e.success for e in together):
            share = (time.perf_counter() - started) / len(batch)
            for outcome, fs in batch:
                outcome.expectations = _passed_for(together, sum(len(f) for f in fs))
                outcome.rows, outcome.chunks = sum(len(f) for f in fs), len(fs)
                outcome.seconds += share
                save_outcome(con, outcome)
            return [outcome for outcome, _ in batch]
    for outcome, fs in batch:
        started = time.perf_counter()
        outcome.expectations = _run_suite(outcome.source, fs, parameters)
        outcome.rows, outcome.chunks = sum(len(f) for f in fs), len(fs)
        outcome.seconds += time.perf_counter() - started
        save_outcome(con, outcome)
    return [outcome for outcome, _ in batch]


def _run_suite(
    source_name: str, frames: list[pd.DataFrame], parameters: dict[str, Any]
) -> list[ExpectationOutcome]:
    """The suite over the frames, one chunk of at most CHUNK_ROWS rows at a time."""
    suite = gx_suite(source_name)
    totals = [
        ExpectationOutcome(e.expectation_type, _column_of(e.configuration.kwargs))
        for e in suite.expectations
    ]
    batch_definition = _batch_definition()
    for frame in _rechunked(frames):
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        with _quiet_pandas():
            result = batch.validate(
                suite, result_format=RESULT_FORMAT, expectation_parameters=parameters
            )
        for chunk_result in result.results:
            _add(totals[int(chunk_result.expectation_config.id)], chunk_result, frame)
    return totals


def _rechunked(frames: list[pd.DataFrame]):
    """Frames joined up to CHUNK_ROWS rows (an empty file still gives one empty frame)."""
    pending: list[pd.DataFrame] = []
    for frame in frames:
        pending.append(frame)
        if sum(len(f) for f in pending) >= CHUNK_ROWS:
            yield _joined(pending)
            pending = []
    if pending:
        yield _joined(pending)


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0]
    with _quiet_pandas():
        return pd.concat(frames, ignore_index=True)


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


@cache
def _batch_definition():
    """An ephemeral GX context with one pandas dataframe asset, set up once per process."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("raw").add_dataframe_asset("landed_file")
    return asset.add_batch_definition_whole_dataframe("chunk")


def _chunks(con: duckdb.DuckDBPyConnection, source_name: str, file: str, every: int):
    """The file's rows (those whose line number is a multiple of `every`) in line order,
    CHUNK_ROWS at a time; one (maybe empty) frame at least.

    List columns arrive as Python lists with their length in `<column>__length`,
    because GX's length expectations only measure strings.
    """
    table = f"raw.{source_name}"
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
    result = con.execute(
        f"select * exclude (_file){lengths} from {table} "
        f"where _file = {sql_string(file)} and _line % ? = 0 order by _line",
        [every],
    )
    first = True
    while True:
        with _quiet_pandas():
            frame = result.fetch_df_chunk(CHUNK_ROWS // VECTOR_ROWS)
        if frame.empty and not first:
            return
        for name in lists:
            frame[name] = frame[name].map(_as_list)
        yield frame
        if frame.empty:
            return
        first = False


@contextmanager
def _quiet_pandas():
    """Silence pandas 4 deprecation notices raised inside DuckDB's and GX's own code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Pandas4Warning)
        yield


def _as_list(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else value


def _column_of(kwargs: dict[str, Any]) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    return None


def _add(total: ExpectationOutcome, chunk_result, frame: pd.DataFrame) -> None:
    """Fold one chunk's result for an expectation into the file's total."""
    result = chunk_result.result or {}
    total.success = total.success and bool(chunk_result.success)
    total.element_count += result.get("element_count", len(frame))
    if "unexpected_count" in result:
        total.unexpected_count = (total.unexpected_count or 0) + result["unexpected_count"]
    room = MAX_EXAMPLES - len(total.examples)
    info = chunk_result.exception_info or {}
    if info.get("raised_exception"):
        if room > 0:
            total.examples.append(f"error: {info.get('exception_message')}")
    elif not chunk_result.success and room > 0:
        if "observed_value" in result:
            total.examples.append(f"observed: {result['observed_value']}")
        else:
            values = result.get("partial_unexpected_list", [])
            indexes = result.get("partial_unexpected_index_list") or [None] * len(values)
            for index, value in list(zip(indexes, values, strict=False))[:room]:
                line = frame["_line"].loc[index] if index is not None else "?"
                total.examples.append(f"line {line}: {_show(value)}")


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, (np.datetime64, pd.Timestamp)):
        return str(pd.Timestamp(value).isoformat())
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)
