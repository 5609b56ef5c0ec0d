"""The result types every parser produces."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import RecordProblem

PUBLICATION_TYPES = (
    "journal_article",
    "conference_abstract",
    "conference_paper",
    "review",
    "book",
    "book_section",
    "thesis",
    "report",
    "preprint",
    "letter",
    "editorial",
    "erratum",
    "comment",
    "other",
)


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One bibliographic record, normalised; text fields are "" when missing."""

    position: int
    line: int | None
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    issn: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    publication_type: str = "other"
    language: str = ""
    url: str = ""
    raw: str = ""
    extra: dict = field(default_factory=dict)
    # Field name -> original length (characters, or entries for a list) of a value cut by caps.py.
    truncated: dict = field(default_factory=dict)


ERR_NO_CONTENT = "no bibliographic content (no title, authors, journal, year, volume, pages or identifier)"


def has_content(record: ParsedRecord) -> bool:
    """A record without a title is still a record when anything else identifies it."""
    return any((
        record.title, record.abstract, record.authors, record.year, record.journal, record.volume,
        record.pages, record.doi, record.pmid, record.issn, record.url,
    ))


@dataclass(slots=True)
class ParseResult:
    format: str
    records: list[ParsedRecord]
    skipped: list[RecordProblem] = field(default_factory=list)
    truncated: list = field(default_factory=list)
    encoding: str = ""
    source_hint: str = ""
