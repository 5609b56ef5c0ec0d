"""RIS in the variants real databases write.

A line-based parser rather than rispy: rispy refuses or mangles several real exports (Ovid's
"1." lines, untagged continuation lines, bare CRs) and is several times slower on 100k
records. Records run from ``TY`` to ``ER``; anything between records is ignored.
"""

from __future__ import annotations

import re

from . import normalise as norm
from .base import Context, LazyPending, Pending, line_starts, record_spans
from .decoding import decode_chunk
from .records import ParsedRecord

_FIELD = re.compile(
    r"\n([A-Z][A-Z0-9]) {1,2}-(?: |(?=\n)|$)"
    r"([^\n]*(?:\n(?![A-Z][A-Z0-9] {1,2}-(?: |\n|$))[^\n]*)*)"
)
_OVID_AN = re.compile(r"[?&]D=(?:med\w*|prem)&.*?\bAN=(\d{5,9})\b", re.IGNORECASE)
_BOUNDARY = re.compile(rb"^(TY|ER) {1,2}-(?:[ \t].*)?$", re.MULTILINE)

# Continuation lines under these tags are further items (EndNote writes one keyword per
# line), under any other tag they continue the text.
_LIST_TAGS = frozenset({"KW", "AU", "A1", "A2", "A3", "A4", "UR", "L1", "L2"})

ERR_NO_ER = "record has no 'ER' end tag before the next 'TY'"
ERR_TRUNCATED = "the file ends inside a record (no 'ER' end tag): is it truncated?"


def split(data: bytes, encoding: str, ctx: Context) -> LazyPending:
    starts = line_starts(data, b"TY  -", ctx.scan_limit)
    ctx.count(len(starts))
    markers = [(p, True) for p in starts]
    markers += [(p, False) for p in line_starts(data, b"ER  -")]
    if not starts:
        # Rare writers put one space before the dash; the regex is slower but tolerant.
        markers = [(m.start(), m.group(1) == b"TY") for m in _BOUNDARY.finditer(data)]
        ctx.count(sum(is_start for _, is_start in markers))
    markers.sort()
    spans = record_spans(data, markers, no_end=ERR_NO_ER, truncated=ERR_TRUNCATED)
    pending = LazyPending(data, encoding, spans)
    ctx.source_hint = _source_hint(pending[:5], decode_chunk(data[:20_000], encoding))
    return pending


def _source_hint(pending: list[Pending], text: str) -> str:
    """Which database wrote the file, from the first records' DB/DP/AN/UR tags."""
    if re.search(r"^\d+\.[ \t]*\n(?:[ \t]*\n)*TY {1,2}-", text[:20_000], re.MULTILINE):
        return "ovid"
    for item in pending:
        fields, first = tags(item.raw)
        database = " ".join(fields.get("DB", []) + fields.get("DP", [])).lower()
        urls = " ".join(fields.get("UR", []) + fields.get("L2", [])).lower()
        accession = _first(first, "AN")
        for needle, hint in (
            ("embase", "embase"),
            ("scopus", "scopus"),
            ("ovid", "ovid"),
            ("ebsco", "ebsco"),
            ("proquest", "proquest"),
            ("dimensions", "dimensions"),
            ("lens", "lens"),
            ("web of science", "wos"),
            ("pubmed", "pubmed"),
            ("medline", "pubmed"),
            ("psycinfo", "psycinfo"),
        ):
            if needle in database:
                return hint
        if accession.startswith("WOS:"):
            return "wos"
        for needle, hint in (
            ("scopus.com", "scopus"),
            ("embase.com", "embase"),
            ("ebscohost.com", "ebsco"),
            ("proquest.com", "proquest"),
            ("ovid.com", "ovid"),
            ("lens.org", "lens"),
            ("dimensions.ai", "dimensions"),
        ):
            if needle in urls:
                return hint
    return ""


def tags(raw: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(tag -> values, tag -> first non-empty value); a value runs to the next tag line,
    so untagged continuation lines arrive inside it."""
    fields: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for tag, value in _FIELD.findall("\n" + raw):
        if "\n" in value:
            lines = [line.strip() for line in value.split("\n")]
            lines = [line for line in lines if line]
            if tag in _LIST_TAGS:
                fields.setdefault(tag, []).extend(lines)
                if lines and tag not in first:
                    first[tag] = lines[0]
                continue
            value = "\n".join(lines)
        else:
            value = value.strip()
        values = fields.get(tag)
        if values is None:
            fields[tag] = [value]
        else:
            values.append(value)
        if value and tag not in first:
            first[tag] = value
    return fields, first


def _first(first: dict[str, str], *names: str) -> str:
    for name in names:
        value = first.get(name)
        if value:
            return value
    return ""


def convert(item: Pending, ctx: Context) -> ParsedRecord:
    fields, first = tags(item.raw)
    ris_type = _first(first, "TY").upper()
    title = _first(first, "TI", "T1", "CT")
    if not title and ris_type in ("BOOK", "EBOOK", "EDBOOK"):
        title = _first(first, "BT", "T2")
    title = title or _first(first, "ST")
    abstracts = [v for v in fields.get("AB", ()) if v] or [v for v in fields.get("N2", ()) if v]
    authors: list[str] = []
    for tag in ("AU", "A1"):
        authors.extend(fields.get(tag, ()))
    m3 = _first(first, "M3")
    doi = norm.doi(_first(first, "DO", "DI")) or (norm.doi(m3) if _is_doi(m3) else "")
    if not doi:
        for url in fields.get("L2", []) + fields.get("UR", []) + fields.get("L3", []):
            if "doi" in url.lower():
                doi = norm.doi(url)
                if doi:
                    break
    journal_tags = (
        ("T2", "JF", "JO", "JA", "J2", "J1")
        if ris_type == "JOUR"
        else ("JF", "T2", "JO", "JA", "J2", "J1", "BT")
    )
    sn = fields.get("SN", [])
    notes = fields.get("N1", [])
    pmid = ""
    # Embase writes the PMID to C5 and Scopus to C2; AN and ID are only PMIDs when the
    # record came from PubMed/MEDLINE (EBSCO and ProQuest accession numbers are numeric too).
    database = (_first(first, "DB") + " " + _first(first, "DP")).lower()
    from_pubmed = "medline" in database or "pubmed" in database
    for tag in ("C5", "C2", "PM", "AN") if from_pubmed else ("C5", "C2", "PM"):
        candidate = _first(first, tag).removeprefix("PMID:").strip()
        if candidate.isdigit() and 4 <= len(candidate) <= 9:
            pmid = candidate
            break
    if not pmid:
        pmid = next((p for p in map(norm.find_pmid, notes) if p), "")
    if not pmid and from_pubmed:
        # Ovid MEDLINE keeps the PMID only in its link: ...&D=medp&AN=39105546
        match = _OVID_AN.search(" ".join(fields.get("L2", []) + fields.get("UR", [])))
        pmid = match.group(1) if match else ""
    extra: dict = {"ris_type": ris_type}
    for key, tag in (
        ("database", "DB"),
        ("database_provider", "DP"),
        ("accession_number", "AN"),
        ("reference_id", "ID"),
        ("publisher", "PB"),
        ("place", "CY"),
        ("type_of_work", "M3"),
    ):
        value = _first(first, tag)
        if value:
            extra[key] = value
    if notes:
        extra["notes"] = notes
    editors = fields.get("A2", []) + fields.get("ED", [])
    if editors:
        extra["editors"] = norm.authors(editors)
    isbn = norm.isbns(*sn) if ris_type in ("BOOK", "CHAP", "EBOOK", "EDBOOK", "ECHAP") else []
    if isbn:
        extra["isbn"] = isbn
    return ParsedRecord(
        position=item.position,
        line=item.line,
        title=norm.clean_line(title),
        abstract=norm.clean_text("\n".join(dict.fromkeys(abstracts))),
        authors=norm.authors(authors),
        year=norm.year(
            _first(first, "PY"), _first(first, "Y1"), _first(first, "DA"), _first(first, "Y2")
        ),
        journal=norm.clean_line(_first(first, *journal_tags)),
        volume=norm.clean_line(_first(first, "VL", "VO")),
        issue=norm.clean_line(_first(first, "IS", "CP")),
        pages=norm.pages(_first(first, "SP"), _first(first, "EP")),
        doi=doi,
        pmid=pmid,
        issn=[] if isbn else norm.issns(*sn),
        keywords=norm.keywords(fields.get("KW", [])),
        publication_type=norm.publication_type(m3 if not _is_doi(m3) else "", ris_type),
        language=norm.clean_line(_first(first, "LA")),
        url=_first(first, "UR", "L2"),
        raw=item.raw,
        extra=extra,
    )


def _is_doi(value: str) -> bool:
    return value.startswith("10.") or "doi" in value.lower()
