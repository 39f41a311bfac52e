"""Line numbers of a text file's records, for reject messages that point at the right line.

DuckDB numbers records, not lines: a quoted field holding a line break makes a record
span several lines, and an empty line is counted but yields no row. Both are rare, so
the reader takes DuckDB's numbers as lines unless a file has either; then this module
reads the file once more, streaming, and maps each record to the line it starts on.
"""

from __future__ import annotations

import csv
import gzip
import io
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

CHUNK = 1 << 20
CSV_FIELD_LIMIT = 1 << 30  # lines longer than DuckDB's limit are its rejects, not ours
EMPTY_LINE = (b"\n\n", b"\n\r\n")


def open_text(path: Path) -> io.BufferedIOBase:
    """The file's bytes, decompressed when it is gzip."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def has_empty_lines(path: Path) -> bool:
    """Whether an empty line is followed by more content (one scan of the bytes, in C).

    Empty lines at the end of a file change no record's number.
    """
    pending = False  # an empty line was seen; content after it makes it count
    tail = b"\n"  # the file's start counts as a line start
    with open_text(path) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            window = tail + chunk
            if pending and window.strip(b"\r\n"):
                return True
            found = [window.find(p) for p in EMPTY_LINE if p in window]
            if found and window[min(found) :].strip(b"\r\n"):
                return True
            pending = pending or bool(found)
            tail = chunk[-2:]
    return False


def record_lines(path: Path, quoted: bool) -> pa.Table:
    """Per record as DuckDB counts them: `rec`, the `line` it starts on, whether `is_empty`.

    `quoted`: fields may be quoted and span lines (CSV); else a record is a line (JSON
    Lines).
    """
    recs, starts, empties = array("q"), array("q"), array("b")
    csv.field_size_limit(CSV_FIELD_LIMIT)
    with open_text(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        if quoted:
            reader = csv.reader(text, strict=False)
            end = 0
            for number, fields in enumerate(reader, start=1):
                recs.append(number)
                starts.append(end + 1)
                empties.append(not fields)
                end = reader.line_num
        else:
            for number, line in enumerate(text, start=1):
                recs.append(number)
                starts.append(number)
                empties.append(line.strip("\r\n") == "")
    # Imported here, for the rare file that needs it: a run's process never imports
    # pyarrow otherwise (0.3-0.5 s of its start).
    import pyarrow as pa

    return pa.table(
        {
            "rec": pa.array(recs, pa.int64()),
            "line": pa.array(starts, pa.int64()),
            "is_empty": pa.array(empties, pa.int8()).cast(pa.bool_()),
        }
    )
