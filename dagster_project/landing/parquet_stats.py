"""Whether a Parquet file's statistics tell the truth about its instants.

DuckDB skips a row group whose statistics say it holds no row a filter wants, and
answers the least and greatest value of a column from them. The windowed reads of the
raw store rest on that (a month's hour fold, a part's span, the month spine, the newest
check), and so does dating a landed file (landing/changes.py). A writer that states them
wrongly would make rows vanish from a month's figures with nothing rejected: so each row
group's least and greatest value of each time column is read and compared with what its
statistics say (about 0.06 s of CPU for a month of 17 million checks, once per file).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

BATCH_ROWS = 1 << 20


def statistics_hold(path: Path, columns: Iterable[str]) -> bool:
    """Whether, in every row group, the statistics of each of these columns stored as
    64-bit integers (every Parquet timestamp DuckDB prunes by) bound its values. A file
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
        claims = [
            (group, schema.column(index).path, claimed.min_raw, claimed.max_raw)
            for group in range(metadata.num_row_groups)
            for index in range(len(schema))
            if schema.column(index).path in columns
            and schema.column(index).physical_type == "INT64"
            and (claimed := metadata.row_group(group).column(index).statistics) is not None
            and claimed.has_min_max  # nothing stated, nothing to skip a row group by
        ]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            bounded = pool.map(lambda claim: _bounded(path, metadata, *claim), claims)
            return all(bounded)
    except (OSError, pa.ArrowException):
        return False


def _bounded(path: str, metadata, group: int, column: str, least: int, greatest: int) -> bool:
    """Whether the column's values in the row group lie in [least, greatest]: read a
    million values at a time (a row group may hold any number), with the footer parsed
    once for all row groups (a file may have thousands)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path, metadata=metadata)
    for batch in file.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], columns=[column]):
        found = pc.min_max(batch.column(0).cast(pa.int64()))
        low, high = found["min"].as_py(), found["max"].as_py()
        if low is not None and (low < least or high > greatest):
            return False
    return True
