"""PubMed MEDLINE (.nbib / .txt): four-character tags, six-space continuation lines.

Records start at ``PMID-``; there is no end tag, so a record runs to the next ``PMID-``.
"""

from __future__ import annotations

import re

from . import normalise as norm
from .base import Context, Pending
from .errors import RecordError
from .records import ParsedRecord

_START = re.compile(r"^PMID- ?", re.MULTILINE)
_TAG = re.compile(r"([A-Z][A-Z0-9]{0,3}) *- ?(.*)")

_ID_SUFFIX = re.compile(r"\s*\[(\w+)\]\s*$")


def split(text: str, ctx: Context) -> list[Pending]:
    starts = [m.start() for m in _START.finditer(text)]
    pending: list[Pending] = []
    line_no = 1
    scanned = 0
    for index, start in enumerate(starts):
        line_no += text.count("\n", scanned, start)
        scanned = start
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        pending.append(Pending(index + 1, line_no, text[start:end].rstrip()))
    ctx.source_hint = "pubmed"
    return pending


def tags(raw: str) -> tuple[dict[str, list[str]], dict[str, int]]:
    fields: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    current: list[str] | None = None
    for offset, line in enumerate(raw.split("\n")):
        if line[:1] == " ":
            if current is not None and line.strip():
                current[-1] = f"{current[-1]} {line.strip()}"
            continue
        if len(line) >= 6 and line[4:6] == "- ":
            tag, value = line[:4].rstrip(), line[6:]
        else:
            match = _TAG.match(line)
            if match is None:
                continue
            tag, value = match.group(1), match.group(2)
        current = fields.setdefault(tag, [])
        first_line.setdefault(tag, offset)
        current.append(value.strip())
    return fields, first_line


def convert(item: Pending, ctx: Context) -> ParsedRecord:
    fields, first_line = tags(item.raw)
    pmid = (fields.get("PMID") or [""])[0]
    if not pmid.isdigit():
        raise RecordError(f"'PMID' is not a number: {pmid!r}", line=item.line)
    dois = []
    ids: dict[str, str] = {}
    for value in fields.get("LID", []) + fields.get("AID", []):
        match = _ID_SUFFIX.search(value)
        kind = match.group(1).lower() if match else ""
        bare = value[: match.start()] if match else value
        if kind == "doi":
            dois.append(bare)
        elif kind and kind not in ids:
            ids[kind] = bare.strip()
    doi = next((d for d in (norm.doi(v) for v in dois) if d), "")
    publication_types = fields.get("PT", [])
    keywords = fields.get("OT", []) + fields.get("MH", [])
    extra: dict = {"database": "PubMed"}
    for key, tag in (("journal_abbreviation", "TA"), ("nlm_status", "STAT"),
                     ("place", "PL"), ("pmcid", "PMC"), ("date_published", "DP")):
        value = (fields.get(tag) or [""])[0]
        if value:
            extra[key] = value
    if publication_types:
        extra["publication_types"] = publication_types
    if ids:
        extra["article_ids"] = ids
    if fields.get("MH"):
        extra["mesh"] = fields["MH"]
    return ParsedRecord(
        position=item.position,
        line=item.line,
        title=norm.clean_line((fields.get("TI") or fields.get("BTI") or [""])[0]),
        abstract=norm.clean_text("\n".join(fields.get("AB", []))),
        authors=norm.authors(fields.get("FAU") or fields.get("AU") or []),
        year=norm.year(*(fields.get("DP") or fields.get("DEP") or [""])),
        journal=norm.clean_line((fields.get("JT") or fields.get("TA") or [""])[0]),
        volume=(fields.get("VI") or [""])[0],
        issue=(fields.get("IP") or [""])[0],
        pages=norm.pages((fields.get("PG") or [""])[0]),
        doi=doi,
        pmid=pmid,
        issn=norm.issns(*fields.get("IS", [])),
        keywords=norm.keywords(keywords),
        publication_type=norm.publication_type(*publication_types),
        language=(fields.get("LA") or [""])[0],
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        raw=item.raw,
        extra=extra,
    )
