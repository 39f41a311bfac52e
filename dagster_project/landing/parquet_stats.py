"""Whether a Parquet file's statistics tell the truth about its instants.

DuckDB skips a row group whose statistics say it holds no row a filter wants, and
answers the least and greatest value of a column, and how many are missing, from them.
The windowed reads of the raw store rest on that (a month's hour fold, a part's span, the
month spine, the newest check), and so does dating a landed file (landing/changes.py). A
writer that states them wrongly would make rows vanish from a month's figures with
nothing rejected: so every value of each time column is read, row group by row group, and
each row group's least and greatest value and count of missing ones compared with what
its statistics say (about 0.06 s of CPU for a month of 17 million checks, once per file).
Statistics that hold are exact, so the load's witnesses take those columns' extremes
from them (landing/witness.py) instead of reading the column again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

BATCH_ROWS = 1 << 20


def statistics_hold(path: Path, columns: Iterable[str]) -> bool:
    """Whether every value of each of these columns stored as 64-bit integers (every
    Parquet timestamp DuckDB prunes by) reads, and in every row group its statistics, where
    it has them, state its least and greatest value and its missing ones exactly. A file
    pyarrow cannot read is not vouched for."""
    stat = path.stat()
    return _statistics_hold(str(path), stat.st_size, stat.st_mtime_ns, tuple(sorted(columns)))


@lru_cache(maxsize=4096)
def _statistics_hold(path: str, _size: int, _mtime_ns: int, columns: tuple[str, ...]) -> bool:
    """statistics_hold, once per file as it is now (its size and time are in the key). The
    row groups are read on every core: pyarrow lets go of the GIL while it decodes, and
    at a run's start the other core imports Great Expectations, which can wait."""
    # Imported here: 0.2 s that a run landing no Parquet file need not pay.
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema
        chunks = [
            (group, index)
            for group in range(metadata.num_row_groups)
            for index in range(len(schema))
            if schema.column(index).path in columns
            and schema.column(index).physical_type == "INT64"
        ]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            return all(pool.map(lambda chunk: _stated_exactly(path, metadata, *chunk), chunks))
    except (OSError, pa.ArrowException):
        return False


def _stated_exactly(path: str, metadata, group: int, index: int) -> bool:
    """Whether the column's statistics in the row group, those it has, are its values'
    least, greatest and count of missing ones: read a million values at a time (a row group
    may hold any number), with the footer parsed once for all row groups (a file may have
    thousands)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    column = metadata.schema.column(index).path
    least = greatest = None
    missing = 0
    file = pq.ParquetFile(path, metadata=metadata)
    for batch in file.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], columns=[column]):
        values = batch.column(0)
        found = pc.min_max(values.cast(pa.int64()))
        low, high = found["min"].as_py(), found["max"].as_py()
        if low is not None:
            least = low if least is None else min(least, low)
            greatest = high if greatest is None else max(greatest, high)
        missing += values.null_count
    stated = metadata.row_group(group).column(index).statistics
    if stated is None:
        return True  # nothing stated: DuckDB reads the values
    if stated.has_min_max and (stated.min_raw, stated.max_raw) != (least, greatest):
        return False
    return not stated.has_null_count or stated.null_count == missing
