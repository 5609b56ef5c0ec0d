"""Web of Science plain text / CIW (also Zoological Record and other WoS-tagged exports).

Two-letter tags, three-space continuation lines, ``PT`` opens and ``ER`` closes a record,
``FN``/``VR`` head the file and ``EF`` ends it.
"""

from __future__ import annotations

import re

from . import normalise as norm
from .base import Context, LazyPending, Pending, line_starts, record_spans
from .records import ParsedRecord

_TAG = re.compile(r"([A-Z][A-Z0-9]) ?(.*)")

# Continuation lines of these tags are separate items; of the others, wrapped text.
_LIST_TAGS = frozenset(
    {"AU", "AF", "BA", "BF", "CA", "GP", "ED", "CR", "C1", "C3", "EM", "RI", "OI", "FU"}
)

ERR_NO_ER = "record has no 'ER' end tag before the next 'PT'"
ERR_TRUNCATED = "the file ends inside a record (no 'ER' end tag): is it truncated?"


def split(data: bytes, encoding: str, ctx: Context) -> LazyPending:
    starts = line_starts(data, b"PT ", ctx.scan_limit)
    ctx.count(len(starts))
    markers = [(p, True) for p in starts]
    markers += [
        (p, False)
        for p in line_starts(data, b"ER")
        if data[p + 2 : p + 3] in (b"", b"\n", b" ", b"\t")
    ]
    markers.sort()
    spans = record_spans(data, markers, no_end=ERR_NO_ER, truncated=ERR_TRUNCATED)
    ctx.source_hint = "zoological_record" if b"ZOOREC:" in data[:100_000] else "wos"
    return LazyPending(data, encoding, spans)


def tags(raw: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    tag = ""
    for line in raw.split("\n"):
        if line[:1] == " ":
            value = line.strip()
            if current is not None and value:
                if tag in _LIST_TAGS:
                    current.append(value)
                else:
                    current[-1] = f"{current[-1]} {value}" if current[-1] else value
            continue
        match = _TAG.match(line)
        if match is None:
            continue
        tag = match.group(1)
        current = fields.setdefault(tag, [])
        current.append(match.group(2).strip())
    return fields


def _first(fields: dict[str, list[str]], *names: str) -> str:
    for name in names:
        for value in fields.get(name, ()):
            if value:
                return value
    return ""


def convert(item: Pending, ctx: Context) -> ParsedRecord:
    fields = tags(item.raw)
    pages = norm.pages(_first(fields, "BP"), _first(fields, "EP")) or _first(fields, "AR")
    keywords = norm.split_keywords(_first(fields, "DE")) + norm.split_keywords(_first(fields, "ID"))
    accession = _first(fields, "UT")
    extra: dict = {"database": "Web of Science"}
    if accession:
        extra["accession_number"] = accession
    for key, tag in (
        ("document_type", "DT"),
        ("publisher", "PU"),
        ("journal_abbreviation", "J9"),
        ("zoological_record_number", "AN"),
    ):
        value = _first(fields, tag)
        if value:
            extra[key] = value
    if ctx.source_hint == "zoological_record":
        extra["database"] = "Zoological Record"
    return ParsedRecord(
        position=item.position,
        line=item.line,
        title=norm.clean_line(_first(fields, "TI")),
        abstract=norm.clean_text("\n".join(fields.get("AB", []))),
        authors=norm.authors(fields.get("AF") or fields.get("AU") or []),
        year=norm.year(_first(fields, "PY"), _first(fields, "PD"), _first(fields, "EA")),
        journal=norm.clean_line(_first(fields, "SO", "SE", "BS")),
        volume=_first(fields, "VL"),
        issue=_first(fields, "IS"),
        pages=pages,
        doi=norm.doi(_first(fields, "DI", "D2")),
        pmid=norm.pmid(_first(fields, "PM")),
        issn=norm.issns(_first(fields, "SN"), _first(fields, "EI")),
        keywords=norm.keywords(keywords),
        publication_type=norm.publication_type(_first(fields, "DT"), _pt(_first(fields, "PT"))),
        language=_first(fields, "LA"),
        url=f"https://www.webofscience.com/wos/woscc/full-record/{accession}"
        if accession.startswith("WOS:")
        else "",
        raw=item.raw,
        extra=extra,
    )


def _pt(code: str) -> str:
    return {"J": "journal article", "B": "book", "S": "book", "P": "other"}.get(code, "")
