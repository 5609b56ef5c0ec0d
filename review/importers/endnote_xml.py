"""EndNote XML, as written by EndNote, Zotero and Mendeley.

Parsed with defusedxml and DTDs forbidden: a citation export never needs one, and a DTD is
how entity bombs and external entities get in. Field text may sit inside ``<style>``
wrappers (EndNote) or not (Zotero, Mendeley); ``&#xD;`` separates values inside a field.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from . import limits
from . import normalise as norm
from .base import Context, Pending
from .errors import ImportFileError
from .records import ParsedRecord

_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")

ERR_DTD = (
    "the XML declares a DTD (<!DOCTYPE ...>) or entities; they are refused for safety "
    "and EndNote, Zotero and Mendeley exports never need them"
)

# EndNote's numeric ref-types, for exports whose name attribute is missing.
_REF_TYPES = {
    "17": "Journal Article",
    "6": "Book",
    "5": "Book Section",
    "47": "Conference Paper",
    "10": "Conference Proceedings",
    "32": "Thesis",
    "27": "Report",
    "13": "Generic",
    "43": "Electronic Article",
    "12": "Web Page",
    "46": "Preprint",
}


def split(text: str, ctx: Context) -> list[Pending]:
    # The text is already decoded (BOM, UTF-16, cp1252 fallback), so the declaration's
    # encoding no longer applies.
    body = _DECLARATION.sub("", text, count=1).encode("utf-8")
    del text
    pending: list[Pending] = []
    depth = 0
    try:
        for event, element in iterparse(io.BytesIO(body), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth > limits.XML_MAX_DEPTH:
                    raise ImportFileError(
                        f"the XML is nested more than {limits.XML_MAX_DEPTH} levels deep"
                    )
                continue
            depth -= 1
            if element.tag == "record":
                pending.append(
                    Pending(
                        len(pending) + 1,
                        None,
                        ET.tostring(element, encoding="unicode"),
                        data=_fields(element),
                    )
                )
                element.clear()
                ctx.count(len(pending))
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise ImportFileError(f"the XML is not well-formed ({exc})", line=line) from None
    except DefusedXmlException:
        raise ImportFileError(ERR_DTD) from None
    ctx.source_hint = _source_hint(pending)
    return pending


def _source_hint(pending: list[Pending]) -> str:
    if not pending:
        return ""
    fields = pending[0].data
    app = " ".join(fields.get("source-app", [])).lower()
    if "zotero" in app:
        return "zotero"
    if "endnote" in app:
        return "endnote"
    if (fields.get("ref-type") or [""])[0] == "0":
        return "mendeley"
    return ""


def _fields(record: ET.Element) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    stack = [(child, child.tag) for child in reversed(record)]
    while stack:
        element, path = stack.pop()
        children = [c for c in element if c.tag != "style"]
        if children:
            stack.extend((c, f"{path}/{c.tag}") for c in reversed(children))
            continue
        value = "".join(element.itertext()).replace("\r\n", "\n").replace("\r", "\n")
        fields.setdefault(path, []).append(value.strip())
        if path == "ref-type" and element.get("name"):
            fields["ref-type-name"] = [element.get("name", "")]
    return fields


def _first(fields: dict[str, list[str]], *paths: str) -> str:
    for path in paths:
        for value in fields.get(path, ()):
            if value:
                return value
    return ""


def _lines(fields: dict[str, list[str]], path: str) -> list[str]:
    return [
        part.strip() for value in fields.get(path, ()) for part in value.split("\n") if part.strip()
    ]


def convert(item: Pending, ctx: Context) -> ParsedRecord:
    fields = item.data
    ref_type = _first(fields, "ref-type")
    type_name = _first(fields, "ref-type-name") or _REF_TYPES.get(ref_type, "")
    work_type = _first(fields, "work-type")
    databases = _lines(fields, "remote-database-name")
    accession = _first(fields, "accession-num")
    pmid = ""
    if accession.isdigit() and (
        not databases or any("med" in d.lower() or "pubmed" in d.lower() for d in databases)
    ):
        pmid = accession
    isbn_field = _first(fields, "isbn")
    is_book = type_name in ("Book", "Book Section", "Edited Book")
    extra: dict = {"ref_type": type_name or ref_type}
    for key, path in (
        ("accession_number", "accession-num"),
        ("label", "label"),
        ("caption", "caption"),
        ("notes", "notes"),
        ("publisher", "publisher"),
        ("place", "pub-location"),
        ("work_type", "work-type"),
        ("record_number", "rec-number"),
        ("source_app", "source-app"),
        ("database_provider", "remote-database-provider"),
    ):
        value = _first(fields, path)
        if value:
            extra[key] = value
    if databases:
        extra["database"] = databases
    custom = {f"custom{n}": _first(fields, f"custom{n}") for n in range(1, 8)}
    custom = {k: v for k, v in custom.items() if v}
    if custom:
        extra["custom"] = custom
    if is_book and isbn_field:
        extra["isbn"] = norm.isbns(isbn_field)
    urls = _lines(fields, "urls/related-urls/url") + _lines(fields, "urls/web-urls/url")
    issue = _first(fields, "number", "issue")
    return ParsedRecord(
        position=item.position,
        line=None,
        title=norm.clean_line(_first(fields, "titles/title")),
        abstract=norm.clean_text(_first(fields, "abstract")),
        authors=norm.authors(fields.get("contributors/authors/author", [])),
        year=norm.year(_first(fields, "dates/year"), _first(fields, "dates/pub-dates/date")),
        journal=norm.clean_line(
            _first(fields, "titles/secondary-title", "periodical/full-title", "periodical/abbr-1")
        ),
        volume=_first(fields, "volume"),
        issue=issue,
        pages=norm.pages(_first(fields, "pages")),
        doi=norm.doi(_first(fields, "electronic-resource-num")),
        pmid=pmid,
        issn=[] if is_book else norm.issns(isbn_field),
        keywords=norm.keywords(_lines(fields, "keywords/keyword")),
        publication_type=norm.publication_type(work_type, type_name),
        language=_first(fields, "language"),
        url=urls[0] if urls else "",
        raw=item.raw,
        extra=extra,
    )
