"""What parsers hand to the driver: records split from the file, converted one by one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
