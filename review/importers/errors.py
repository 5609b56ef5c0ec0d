"""Errors raised by the importers.

One bad record fails the whole file (an import lands whole or not at all), so the message
must let a user find the problem in their own file: file name, line and record position.
"""

from __future__ import annotations

from dataclasses import dataclass

ERR_TOO_MANY_RECORDS = "the file holds more than {limit:,} records"


class ImportFileError(Exception):
    """A file that cannot be imported, with where and why."""

    def __init__(
        self,
        reason: str,
        *,
        filename: str = "",
        line: int | None = None,
        record: int | None = None,
    ) -> None:
        self.filename = filename
        self.line = line
        self.record = record
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.filename or "file"
        if self.line is not None:
            where += f", line {self.line}"
        if self.record is not None:
            where += f" (record {self.record})"
        return f"{where}: {self.reason}"


class TooManyRecords(ImportFileError):
    """The file holds more records than the caller's cap; found while splitting, so a huge
    file is refused before its records are built."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(ERR_TOO_MANY_RECORDS.format(limit=limit))


class RecordError(Exception):
    """A single record is unusable; the caller decides whether it fails the file."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """A record left out because ``skip_bad=True``."""

    position: int
    line: int | None
    reason: str
