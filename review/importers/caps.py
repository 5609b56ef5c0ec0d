"""Per-field caps: a value longer than its cap is cut, and the cut is reported, not hidden.

A record with a 10-million-character title is still a record someone may have to screen, so
it is kept (truncated) rather than refused; the caller stores which fields were cut and their
original lengths beside the record. Text fields are capped in characters, list fields
(authors, keywords) in entries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from .records import ParsedRecord

CAPPABLE = frozenset(
    {
        "title",
        "abstract",
        "journal",
        "volume",
        "issue",
        "pages",
        "language",
        "url",
        "raw",
        "authors",
        "keywords",
    }
)
ERR_UNKNOWN_FIELD = "cannot cap {names}: only {allowed} have caps"


@dataclass(frozen=True, slots=True)
class Truncation:
    """One field of one record cut at import."""

    position: int
    line: int | None
    field: str
    length: int
    limit: int


def check_caps(caps: Mapping[str, int]) -> None:
    unknown = sorted(set(caps) - CAPPABLE)
    if unknown:
        raise ValueError(
            ERR_UNKNOWN_FIELD.format(names=", ".join(unknown), allowed=", ".join(sorted(CAPPABLE)))
        )


def cap_fields(
    record: ParsedRecord, caps: Mapping[str, int]
) -> tuple[ParsedRecord, list[Truncation]]:
    """The record with every over-long field cut to its cap, and what was cut."""
    changes: dict = {}
    cuts: list[Truncation] = []
    for name, limit in caps.items():
        value = getattr(record, name)
        if len(value) > limit:
            changes[name] = value[:limit]
            cuts.append(Truncation(record.position, record.line, name, len(value), limit))
    if not cuts:
        return record, cuts
    truncated = dict(record.truncated)
    truncated.update({cut.field: cut.length for cut in cuts})
    return dataclasses.replace(record, truncated=truncated, **changes), cuts
