"""One normalised view of an input record, computed once and compared many times."""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from .normalise import (
    _fold,
    _words_spaced,
    normalise_authors,
    normalise_doi,
    normalise_journal,
    normalise_pmid,
    normalise_title,
    page_span,
)

ROMAN = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8,
    "ix": 9, "x": 10, "xi": 11, "xii": 12,
}
# A Roman numeral only counts as a number after a word that introduces one:
# "Part II" is two, but "vitamin D" or "type I error" must not become numbers by accident.
_NUMBERED = {
    "part", "phase", "type", "stage", "grade", "class", "study", "trial", "series",
    "volume", "section", "chapter", "report", "paper", "no", "number",
}
_LEADING_NOISE_RE = re.compile(r"^(retracted article|retracted|withdrawn)\s+")
# Some exports spell a typographic character by its Unicode name ("Self-Determined horizontal
# ellipsis and Unhealthy?" for "Self-Determined… and Unhealthy?"). Only names no title says in
# words: "em dash" or "ellipsis" alone can be a title's subject.
_CHARACTER_NAMES_RE = re.compile(r"\b(horizontal ellipsis|(left|right) (single|double) quotation mark)\b")
# A label some databases print before the title and others drop: "Short report: Tafenoquine for
# ...". Only labels that name the article's own kind; "Letter:", "Commentary:" or "Editorial:"
# before another paper's title is, in many journals, a response to that paper, so they are not
# stripped. The rest must equal the other title whole (``title_rest``).
_OWN_KIND_LABEL_RE = re.compile(
    r"^\W*(short|brief|rapid) (report|communication)s?\s*:|^\W*(research|scientific) letter\s*:|"
    r"^\W*(case|clinical|original) (report|article|research|investigation)\s*:|"
    r"^\W*(research|review) article\s*:|^\W*(technical|clinical) note\s*:",
    re.IGNORECASE,
)
_BRACKET_TAIL_RE = re.compile(r"\s*[\[(][^\])]*[\])]\s*\.?\s*$")
# Embase and Scopus give a translated title with the original in a trailing bracket, which a
# length limit may cut before it closes: "Working in ... [Arbeiten in der Plattformökono".
_TRANSLATION_TAIL_RE = re.compile(r"\[([^\[\]]{20,})\]?\s*\.?\s*$")
_MIN_VARIANT = 20
_CONFERENCE_WORDS = re.compile(
    r"\b(conference|congress|meeting|symposium|proceedings|abstracts|sessions|workshop|"
    r"colloquium|annual scientific)\b"
)
# Read on the raw lower-cased title, where the colon still tells "Correction: X"
# (a notice) from "Correction of hyperglycaemia ..." (an article).
_ERRATUM_RE = re.compile(
    r"^\W*(erratum|errata|corrigendum|expression of concern|"
    r"(correction|retraction|notice of retraction)\s*(:|to\b|for\b|notice\b|note\b))"
)
_COMMENT_RE = re.compile(
    r"^\W*(comments?\s+on\b|commentary\s+on\b|reply\b|in reply\b|authors?'?\s+reply\b|re\s*:|"
    r"letter to the editor\b|response to (the |a )?(letter|comment|commentary|editorial|correspondence)\b)"
)
_PROTOCOL_RE = re.compile(r"\b(protocol|rationale and design|design and rationale)\b")
_SETTING_RE = re.compile(r"\b(in vivo|in vitro|ex vivo|in silico|in situ)\b")
_DIGITS_RE = re.compile(r"\d+")

_MAX_AUTHORS = 30
_ERRATUM_TYPES = {"erratum", "correction", "retraction"}
_COMMENT_TYPES = {"comment", "letter", "editorial", "reply"}
CONFERENCE_TYPES = {"conference_abstract", "conference_paper", "conference_proceeding", "meeting_abstract"}


@dataclass(slots=True)
class Prepared:
    index: int
    id: Hashable
    existing: bool
    title: str
    title_key: str
    title_tokens: frozenset
    numbers: frozenset
    settings: frozenset
    notice: str
    protocol: bool
    conference: bool
    authors: tuple
    surnames: frozenset
    swapped: frozenset
    first_author: str
    year: int | None
    journal: str
    volume: str
    issue: str
    page: str
    doi: str
    pmid: str
    abstract: str
    completeness: int
    # Other forms of the same title, as space-free keys: the title without its subtitle
    # (matched whole), and the two languages of a "translation [original]" title (either
    # may be cut short).
    title_main: str = ""
    title_languages: tuple = ()
    # Every number printed in the raw title, brackets included: "Consensus (Part 1 of 4)" and
    # "(Part 2 of 4)" normalise to one title, and often share their abstract's opening.
    title_digits: tuple = ()
    # The title without a label naming its kind ("Short report: ..."), as a key; "" if none.
    title_rest: str = ""
    # The last page of a printed range, "" for a single page (see ``normalise.page_span``).
    last_page: str = ""


def _getter(record):
    """A ``get(name)`` for a mapping or an object, decided once per record."""
    if isinstance(record, Mapping):
        return record.get
    return lambda name: getattr(record, name, None)


def _numbers(tokens: list[str]) -> frozenset:
    # Digit runs inside words count too, so "Ca2+" and "Ca 2+" give the same set.
    # A different year or sample size in the title is as good a reason to doubt
    # as a different part number.
    found = {str(int(d)) for d in _DIGITS_RE.findall(" ".join(tokens))}
    for pos, tok in enumerate(tokens):
        if tok in ROMAN and pos > 0 and tokens[pos - 1] in _NUMBERED:
            found.add(str(ROMAN[tok]))
    return frozenset(found)


def _notice(raw_title: str, pub_type: str) -> str:
    text = raw_title.lower()
    if pub_type in _ERRATUM_TYPES or _ERRATUM_RE.search(text):
        return "erratum"
    if pub_type in _COMMENT_TYPES or _COMMENT_RE.search(text):
        return "comment"
    return ""


@functools.lru_cache(maxsize=16384)
def _conference_venue(journal: str) -> bool:
    return bool(_CONFERENCE_WORDS.search(_fold(journal)))


def _short(value) -> str:
    text = _fold(str(value or "")).strip()
    if text in {"na", "n/a", "none", "null", "nan"}:
        return ""
    match = _DIGITS_RE.search(text)
    return str(int(match.group(0))) if match else text


_NO_PAGINATION_RE = re.compile(r"\(?\s*no pagination\s*\)?")
_VOLUME_AND_ISSUE_RE = re.compile(r"^\s*(\d+)\s*\(([^()]*)\)")


def _volume_issue_page(raw_volume, raw_issue, year: int | None) -> tuple[str, str, str]:
    """Volume, issue and an article number read from fields that exports misuse.

    Embase writes "18 (8) (no pagination)" in the volume and the article number in the issue;
    it puts the meeting before the volume ("Conference: 22nd FIGO World Congress ... 143"); a
    Cochrane review's "volume" is often the year and its issue the real number. Each form is read
    back to what the other export of the same article says, never invented.
    """
    text = _fold(str(raw_volume or "")).strip()
    issue = _short(raw_issue)
    page = ""
    if _NO_PAGINATION_RE.search(text):
        both = _VOLUME_AND_ISSUE_RE.match(text)
        if both:
            if issue.isdigit():
                page = issue  # the article number, exported into the issue field
            issue = _short(both.group(2))
        text = _NO_PAGINATION_RE.sub(" ", text).strip()
    if text and not text[0].isdigit():
        numbers = _DIGITS_RE.findall(text)
        # A volume after a meeting's name: its last number, not "22nd".
        volume = str(int(numbers[-1])) if numbers else _short(text)
    else:
        volume = _short(text)
    if year and volume == str(year) and issue.isdigit():
        volume, issue = issue, ""
    return volume, issue, page


def _year(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        match = re.search(r"\d{4}", str(value))
        return int(match.group(0)) if match else None


def prepare(record, index: int, existing: bool = False) -> Prepared:
    get = _getter(record)
    raw_title = str(get("title") or "")
    title = normalise_title(raw_title)
    title = _LEADING_NOISE_RE.sub("", title)
    # MEDLINE marks translated titles with brackets; the bracketed tail
    # "(author's transl)" or "[Article in German]" is not part of the title.
    if raw_title.rstrip(" .").endswith(("]", ")")):
        stripped = normalise_title(_BRACKET_TAIL_RE.sub("", raw_title))
        if len(stripped) >= 20:
            title = _LEADING_NOISE_RE.sub("", stripped)
    if "ellipsis" in title or "quotation mark" in title:
        title = " ".join(_CHARACTER_NAMES_RE.sub(" ", title).split())
    tokens = title.split()
    title_main, title_languages = _title_variants(raw_title)
    pub_type = str(get("publication_type") or "").lower()
    raw_journal = str(get("journal") or "")
    journal = normalise_journal(raw_journal)
    raw_authors = get("authors") or ()
    if isinstance(raw_authors, list | tuple) and len(raw_authors) > _MAX_AUTHORS:
        raw_authors = raw_authors[:_MAX_AUTHORS]  # consortium papers list hundreds
    authors = normalise_authors(raw_authors)
    abstract = " ".join(_words_spaced(_fold(str(get("abstract") or "")[:450])).split())[:400]
    year = _year(get("year"))
    volume, issue, article_number = _volume_issue_page(get("volume"), get("issue"), year)
    if len(issue) > 4:
        issue = ""  # an article number ("e0143396") exported into the issue field
    page, last_page = page_span(str(get("pages") or ""))
    if not page and article_number:
        page = article_number
    conference = pub_type in CONFERENCE_TYPES or _conference_venue(raw_journal)
    doi = normalise_doi(get("doi"))
    pmid = normalise_pmid(get("pmid"))
    filled = sum(bool(x) for x in (title, authors, year, journal, volume, issue, page, doi, pmid))
    return Prepared(
        index=index,
        id=get("id"),
        existing=existing,
        title=title,
        title_key=title.replace(" ", ""),
        title_tokens=frozenset(tokens),
        numbers=_numbers(tokens),
        settings=frozenset(_SETTING_RE.findall(title)),
        notice=_notice(raw_title, pub_type),
        protocol=bool(_PROTOCOL_RE.search(title)) or pub_type == "protocol",
        conference=conference,
        authors=authors,
        surnames=frozenset(a.split(" ")[0] for a in authors),
        # Some exports swap given name and surname ("Moritz, A." for Altenried,
        # Moritz); comparing (surname initial, given initial) both ways catches it.
        swapped=frozenset((a[0], a[-1]) for a in authors if " " in a),
        first_author=authors[0].split(" ")[0] if authors else "",
        year=year,
        journal=journal,
        volume=volume,
        issue=issue,
        page=page,
        doi=doi,
        pmid=pmid,
        abstract=abstract,
        completeness=filled * 1000 + min(len(abstract), 999),
        title_main=title_main,
        title_languages=title_languages,
        title_digits=tuple(_DIGITS_RE.findall(raw_title)),
        title_rest=_title_rest(raw_title),
        last_page=last_page,
    )


def _title_rest(raw_title: str) -> str:
    label = _OWN_KIND_LABEL_RE.match(raw_title)
    return _key(normalise_title(raw_title[label.end():])) if label else ""


def _title_variants(raw_title: str) -> tuple[str, tuple]:
    languages = []
    bracket = _TRANSLATION_TAIL_RE.search(raw_title)
    if bracket:
        languages = [normalise_title(bracket.group(1)), normalise_title(raw_title[: bracket.start()])]
        raw_title = raw_title[: bracket.start()]
    main, colon, _subtitle = raw_title.partition(":")
    return _key(normalise_title(main)) if colon else "", tuple(k for k in map(_key, languages) if k)


def _key(title: str) -> str:
    # A form of three words or fewer ("Editorial", "Guest editorial") names no paper.
    return title.replace(" ", "") if len(title) >= _MIN_VARIANT and len(title.split()) > 3 else ""
