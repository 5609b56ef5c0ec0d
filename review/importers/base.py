"""What parsers hand to the driver: records split from the file, converted one by one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .decoding import decode_chunk
from .errors import TooManyRecords


@dataclass(slots=True)
class Pending:
    """A record located in the file but not yet converted.

    ``error`` is set when splitting already showed the record to be broken (a missing end
    tag, say); conversion is then skipped and the error reported for this record.
    """

    position: int
    line: int | None
    raw: str
    data: Any = None
    error: str | None = None


@dataclass(slots=True)
class Context:
    filename: str
    column_map: dict[str, str] | None = None
    source_hint: str = ""
    notes: dict[str, Any] = field(default_factory=dict)
    max_records: int | None = None

    def count(self, found: int) -> None:
        """Refuse the file as soon as splitting has found one record more than the cap."""
        if self.max_records is not None and found > self.max_records:
            raise TooManyRecords(self.max_records)

    @property
    def scan_limit(self) -> int | None:
        """How many record starts a splitter needs to find to know the cap is passed."""
        return None if self.max_records is None else self.max_records + 1


def line_starts(data: bytes, needle: bytes, limit: int | None = None) -> list[int]:
    """Offsets of every line that starts with ``needle`` (bytes.find is far faster than a
    multi-line regex over a 200 MB file), stopping after ``limit`` of them."""
    found = [0] if data.startswith(needle) else []
    target = b"\n" + needle
    position = data.find(target)
    while position != -1 and (limit is None or len(found) < limit):
        found.append(position + 1)
        position = data.find(target, position + 1)
    return found


def line_end(data: bytes, position: int) -> int:
    end = data.find(b"\n", position)
    return len(data) if end == -1 else end


class LazyPending(Sequence):
    """Records located in a byte buffer, each decoded only when asked for.

    Splitting a 200 MB file keeps just offsets; the text of a record exists once, in the
    record it becomes, and a caller streaming records never holds them all.
    """

    def __init__(self, data: bytes, encoding: str, spans: list[tuple]) -> None:
        self._data = data
        self._encoding = encoding
        self._spans = spans  # (start, end, first line, structural error or None)

    def __len__(self) -> int:
        return len(self._spans)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, end, line, error = self._spans[index]
        raw = decode_chunk(self._data[start:end], self._encoding).rstrip()
        return Pending(index + 1, line, raw, error=error)


def record_spans(data: bytes, markers: list[tuple[int, bool]], *, no_end: str, truncated: str) -> list[tuple]:
    """(start, end, first line, error) per record from sorted (position, is_start) markers.

    Tagged formats (RIS, Web of Science) open a record with one tag and close it with ``ER``;
    a second opening before the close, or the end of the file, is an error on that record.
    """
    spans: list[tuple] = []
    start = None
    start_line = 0
    line_no = 1
    scanned = 0
    for position, is_start in markers:
        line_no += data.count(b"\n", scanned, position)
        scanned = position
        if is_start:
            if start is not None:
                spans.append((start, position, start_line, no_end))
            start, start_line = position, line_no
        elif start is not None:
            spans.append((start, line_end(data, position), start_line, None))
            start = None
    if start is not None:
        spans.append((start, len(data), start_line, truncated))
    return spans
