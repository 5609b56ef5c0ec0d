"""PubMed MEDLINE (.nbib / .txt): four-character tags, six-space continuation lines.

Records start at ``PMID-``; there is no end tag, so a record runs to the next ``PMID-``.
"""

from __future__ import annotations

import re

from . import normalise as norm
from .base import Context, LazyPending, Pending, line_starts
from .errors import RecordError
from .records import ParsedRecord

# Only the tags convert() reads are captured (affiliations, history dates and the rest stay
# in raw): a regex alternation runs in C, a Python loop over ~100 tags per record does not.
_USED = (
    "PMID",
    "STAT",
    "BTI",
    "DEP",
    "FAU",
    "LID",
    "AID",
    "PMC",
    "TI",
    "AB",
    "DP",
    "JT",
    "TA",
    "VI",
    "IP",
    "PG",
    "IS",
    "OT",
    "MH",
    "PT",
    "LA",
    "PL",
)
_FIELD = re.compile(r"\n(" + "|".join(_USED) + r") *- ?([^\n]*(?:\n {2,}[^\n]*)*)")
# Abbreviated names (AU) are read only when a record has no full names (FAU).
_SHORT_AUTHOR = re.compile(r"\nAU  - ([^\n]*)")
_ID_SUFFIX = re.compile(r"\s*\[(\w+)\]\s*$")


def split(data: bytes, encoding: str, ctx: Context) -> LazyPending:
    starts = line_starts(data, b"PMID-", ctx.scan_limit)
    ctx.count(len(starts))
    spans: list[tuple] = []
    line_no = 1
    scanned = 0
    for index, start in enumerate(starts):
        line_no += data.count(b"\n", scanned, start)
        scanned = start
        end = starts[index + 1] if index + 1 < len(starts) else len(data)
        spans.append((start, end, line_no, None))
    ctx.source_hint = "pubmed"
    return LazyPending(data, encoding, spans)


def tags(raw: str) -> dict[str, list[str]]:
    """Tag -> values, continuation lines included; values are cleaned where they are used."""
    fields: dict[str, list[str]] = {}
    for tag, value in _FIELD.findall("\n" + raw):
        values = fields.get(tag)
        if values is None:
            fields[tag] = [value]
        else:
            values.append(value)
    return fields


def _one(fields: dict[str, list[str]], *tags: str) -> str:
    for tag in tags:
        for value in fields.get(tag, ()):
            value = norm.clean_line(value)
            if value:
                return value
    return ""


def convert(item: Pending, ctx: Context) -> ParsedRecord:
    fields = tags(item.raw)
    pmid = (fields.get("PMID") or [""])[0].strip()
    if not pmid.isdigit():
        raise RecordError(f"'PMID' is not a number: {pmid!r}", line=item.line)
    dois = []
    ids: dict[str, str] = {}
    for value in fields.get("LID", []) + fields.get("AID", []):
        value = value.strip()
        match = _ID_SUFFIX.search(value)
        kind = match.group(1).lower() if match else ""
        bare = value[: match.start()] if match else value
        if kind == "doi":
            dois.append(bare)
        elif kind and kind not in ids:
            ids[kind] = bare.strip()
    doi = next((d for d in (norm.doi(v) for v in dois) if d), "")
    publication_types = [norm.clean_line(v) for v in fields.get("PT", [])]
    keywords = fields.get("OT", []) + fields.get("MH", [])
    extra: dict = {"database": "PubMed"}
    for key, tag in (
        ("journal_abbreviation", "TA"),
        ("nlm_status", "STAT"),
        ("place", "PL"),
        ("pmcid", "PMC"),
        ("date_published", "DP"),
    ):
        value = _one(fields, tag)
        if value:
            extra[key] = value
    if publication_types:
        extra["publication_types"] = publication_types
    if ids:
        extra["article_ids"] = ids
    return ParsedRecord(
        position=item.position,
        line=item.line,
        title=_one(fields, "TI", "BTI"),
        abstract=norm.clean_line(" ".join(fields.get("AB", []))),
        authors=norm.authors(fields.get("FAU") or _SHORT_AUTHOR.findall("\n" + item.raw)),
        year=norm.year(_one(fields, "DP", "DEP")),
        journal=_one(fields, "JT", "TA"),
        volume=_one(fields, "VI"),
        issue=_one(fields, "IP"),
        pages=norm.pages(_one(fields, "PG")),
        doi=doi,
        pmid=pmid,
        issn=norm.issns(*fields.get("IS", [])),
        keywords=norm.keywords(keywords),
        publication_type=norm.publication_type(*publication_types),
        language=_one(fields, "LA"),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        raw=item.raw,
        extra=extra,
    )
