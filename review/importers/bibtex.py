"""BibTeX (Zotero, Scopus, Google Scholar, hand-written), through bibtexparser 2.

bibtexparser splits the file into blocks and keeps each entry's raw text and line; LaTeX in
values ("{\\"o}", "\\&") is decoded by latex.py.
"""

from __future__ import annotations

import logging
import re

import bibtexparser
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
)

from . import normalise as norm
from .base import Context, Pending
from .latex import latex_to_text
from .records import ParsedRecord

_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_ENTRY_START = re.compile(r"^[ \t]*@(?!(?:string|comment|preamble)\b)\w+[ \t]*[{(]", re.I | re.M)


def _count_entries(text: str, ctx: Context) -> None:
    """bibtexparser builds every block at once, so the record cap is checked on the text first."""
    limit = ctx.scan_limit
    if limit is None:
        return
    found = 0
    for _ in _ENTRY_START.finditer(text):
        found += 1
        if found >= limit:
            break
    ctx.count(found)


def split(text: str, ctx: Context) -> list[Pending]:
    _count_entries(text, ctx)
    # bibtexparser logs each broken block; the import error already names it, with its line.
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)
    pending: list[Pending] = []
    for block in library.blocks:
        entry = None
        if isinstance(block, DuplicateBlockKeyBlock | DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
        elif isinstance(block, ParsingFailedBlock):
            error = f"malformed BibTeX entry: {_reason(block)}"
            pending.append(Pending(len(pending) + 1, _line(block), block.raw or "", error=error))
            continue
        elif isinstance(block, Entry):
            entry = block
        if isinstance(entry, Entry):
            pending.append(Pending(len(pending) + 1, _line(block), block.raw or "", data=entry))
    ctx.count(len(pending))
    sample = text[:50_000].lower()
    if "scopus.com" in sample:
        ctx.source_hint = "scopus"
    elif "\tabstract = {" in sample or "\ttitle = {" in sample:
        ctx.source_hint = "zotero"
    return pending


def _line(block) -> int | None:
    line = getattr(block, "start_line", None)
    return line + 1 if isinstance(line, int) else None


def _reason(block: ParsingFailedBlock) -> str:
    error = getattr(block, "error", None)
    reason = getattr(error, "abort_reason", None) or str(error or "")
    return reason.strip().split("\n")[0][:200] or "it could not be parsed"


def convert(item: Pending, ctx: Context) -> ParsedRecord:
    entry: Entry = item.data
    fields = {
        f.key.lower(): f.value if isinstance(f.value, str) else str(f.value) for f in entry.fields
    }

    def get(*names: str) -> str:
        for name in names:
            value = fields.get(name)
            if value:
                return latex_to_text(value).strip()
        return ""

    keywords_field = get("keywords", "author_keywords", "keyword")
    raw_authors = fields.get("author", "")
    authors = [latex_to_text(a) for a in _AND.split(raw_authors.strip())] if raw_authors else []
    extra: dict = {"bibtex_type": entry.entry_type.lower(), "bibtex_key": entry.key}
    for key, name in (
        ("publisher", "publisher"),
        ("note", "note"),
        ("annote", "annote"),
        ("source", "source"),
        ("isbn", "isbn"),
        ("editors", "editor"),
        ("booktitle", "booktitle"),
    ):
        value = get(name)
        if value:
            extra[key] = value
    entry_type = entry.entry_type.lower()
    journal_names = (
        ("journal", "journaltitle", "booktitle") if entry_type != "book" else ("series",)
    )
    return ParsedRecord(
        position=item.position,
        line=item.line,
        title=norm.clean_line(get("title")),
        abstract=norm.clean_text(get("abstract")),
        authors=norm.authors(authors),
        year=norm.year(get("year"), get("date")),
        journal=norm.clean_line(get(*journal_names)),
        volume=get("volume"),
        issue=get("number", "issue"),
        pages=norm.pages(get("pages")),
        doi=norm.doi(get("doi")),
        pmid=norm.pmid(get("pmid", "pubmed_id")),
        issn=norm.issns(get("issn")),
        keywords=norm.split_keywords(keywords_field.replace(",", ";"))
        if ";" not in keywords_field
        else norm.split_keywords(keywords_field),
        publication_type=norm.publication_type(get("document_type", "type"), entry_type),
        language=get("language"),
        url=get("url"),
        raw=item.raw,
        extra=extra,
    )
