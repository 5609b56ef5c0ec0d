"""BibTeX (Zotero, Scopus, Google Scholar, hand-written), through bibtexparser 2.

bibtexparser splits the file into blocks and keeps each entry's raw text and line; LaTeX in
values ("{\\"o}", "\\&") is decoded here with pylatexenc, which bibtexparser already needs.
"""

from __future__ import annotations

import functools
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
from .records import ParsedRecord

_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_BRACES = str.maketrans("", "", "{}")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
# Text-mode symbols Zotero writes that pylatexenc drops instead of decoding.
_SYMBOLS = re.compile(
    r"\\(textgreater|textless|textbar|textasciitilde|textasciicircum|"
    r"textbackslash|textunderscore)(?:\{\})?"
)
_SYMBOL_TEXT = {
    "textgreater": ">",
    "textless": "<",
    "textbar": "|",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textbackslash": "\\",
    "textunderscore": "_",
}


def split(text: str, ctx: Context) -> list[Pending]:
    library = bibtexparser.parse_string(text)
    pending: list[Pending] = []
    for block in library.blocks:
        entry = None
        if isinstance(block, DuplicateBlockKeyBlock | DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
        elif isinstance(block, ParsingFailedBlock):
            pending.append(
                Pending(
                    len(pending) + 1,
                    _line(block),
                    block.raw or "",
                    error=f"malformed BibTeX entry: {_reason(block)}",
                )
            )
            continue
        elif isinstance(block, Entry):
            entry = block
        if isinstance(entry, Entry):
            pending.append(Pending(len(pending) + 1, _line(block), block.raw or "", data=entry))
    sample = text[:50_000].lower()
    ctx.source_hint = (
        "scopus"
        if "scopus.com" in sample
        else ("zotero" if "\tabstract = {" in sample or "\ttitle = {" in sample else "")
    )
    return pending


def _line(block) -> int | None:
    line = getattr(block, "start_line", None)
    return line + 1 if isinstance(line, int) else None


def _reason(block: ParsingFailedBlock) -> str:
    error = getattr(block, "error", None)
    reason = getattr(error, "abort_reason", None) or str(error or "")
    return reason.strip().split("\n")[0][:200] or "it could not be parsed"


@functools.cache
def _latex_decoder():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="verbatim")


def latex_to_text(value: str) -> str:
    if not value:
        return ""
    if "\\" in value:
        value = _SYMBOLS.sub(lambda m: _SYMBOL_TEXT.get(m.group(1), m.group(1)), value)
    if "\\" in value:
        try:
            # A bare % would start a LaTeX comment and swallow the rest of the field.
            value = _latex_decoder().latex_to_text(_BARE_PERCENT.sub(r"\\%", value))
        except Exception:  # pylatexenc gives up on odd input; braces-off text is still fine
            value = value.replace("\\", "")
    return value.translate(_BRACES)


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
