"""Normalisers that make two exports of the same reference compare equal.

Every function is total: it accepts ``None`` or junk and returns an empty value
rather than raising, because search exports are messy and one bad field must not
stop a de-duplication run.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "normalise_authors",
    "normalise_doi",
    "normalise_journal",
    "normalise_pages",
    "normalise_pmid",
    "normalise_title",
    "journals_match",
    "page_span",
    "split_author_string",
]

# Databases disagree on whether Greek letters are typeset or spelled out
# (Embase writes "alpha", PubMed often keeps "α"); spelling them out is the only
# direction that never loses information.
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi",
    "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "µ": "mu",
}
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]{0,40}>")
_NON_WORD_RE = re.compile(r"[\W_]+")
# Letters glued to a Greek name ("tnfalpha", "il1beta") are split so that
# "TNF-α" and "TNF alpha" end up with the same tokens.
_GREEK_WORDS = "alpha|beta|gamma|delta|epsilon|kappa|lambda|omega|sigma|theta"
_GLUED_GREEK_RE = re.compile(rf"(?<=[a-z0-9])({_GREEK_WORDS})\b")
_GLUED_IN_RE = re.compile(r"\bin(vivo|vitro|silico|situ)\b")
# Substrings without which the two patterns above cannot match: testing for them first
# spares a regex scan of nearly every title (a third of the time of a 100,000-record run).
_GREEK_NAMES = tuple(_GREEK_WORDS.split("|"))
_GLUED_IN_STARTS = ("invi", "insi")
# Every ASCII character but a letter or digit, as a space: what ``_NON_WORD_RE`` does to
# ASCII text, at a tenth of the cost, except that runs stay runs (callers split on spaces).
_ASCII_NON_WORD = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + bytes([32] * 128)


def _words_spaced(text: str) -> str:
    """``text`` with every non-word character a space; callers collapse the runs."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_NON_WORD).decode("ascii")
    return _NON_WORD_RE.sub(" ", text)


def _fold(text: str) -> str:
    """Unescape HTML, drop tags, spell Greek letters, strip diacritics, casefold."""
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    text = text.lower()
    if text.isascii():
        return text  # most titles: skip the costly Unicode work below
    return _NON_ASCII_RE.sub(_fold_char, text)


@functools.lru_cache(maxsize=4096)
def _fold_one(ch: str) -> str:
    if ch in _GREEK:
        return f" {_GREEK[ch]} "
    # NFKD splits "é" into "e" + combining accent; dropping the combining marks
    # keeps non-Latin letters (Cyrillic, Hangul) intact.
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _fold_char(match: re.Match) -> str:
    return _fold_one(match.group(0))


def normalise_title(title: str | None) -> str:
    """Lower-case word tokens separated by single spaces.

    >>> normalise_title("TNF-&alpha; in <i>vivo</i>: a Study.")
    'tnf alpha in vivo a study'
    """
    if not title:
        return ""
    text = _words_spaced(_fold(str(title)))
    if any(name in text for name in _GREEK_NAMES):
        text = _GLUED_GREEK_RE.sub(r" \1", text)
    if any(start in text for start in _GLUED_IN_STARTS):
        text = _GLUED_IN_RE.sub(r"in \1", text)
    return " ".join(text.split())


_ET_AL_RE = re.compile(r"\bet\.?\s*al\b\.?", re.IGNORECASE)
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "le", "la", "du"}


def split_author_string(value: str | None) -> list[str]:
    """Split one author field that holds several names.

    Handles ``"A, B and C, D"`` (BibTeX), ``"A B; C D"`` (RIS/CSV) and the run-together
    ``"Adeli K.Lewis G. F."`` that EndNote CSV exports produce.
    """
    if not value:
        return []
    text = _ET_AL_RE.sub("", str(value))
    if " and " in text:
        parts = text.split(" and ")
    elif ";" in text:
        parts = text.split(";")
    else:
        parts = re.split(r"(?<=\.)(?=\s*[^\W\d_][^\W\d_\s.]+[ ,])", text)
    return [p.strip(" ,.") for p in parts if p.strip(" ,.")]


@functools.lru_cache(maxsize=65536)  # the same people recur across a search's records
def _one_author(name: str) -> str:
    name = _ET_AL_RE.sub("", name).strip()
    if not name:
        return ""
    folded = _fold(name)
    if "," in folded:
        surname, _, given = folded.partition(",")
    else:
        words = folded.replace(".", ". ").split()
        # "Smith JA" / "Smith J. A." (MEDLINE) put initials last; "John A. Smith" puts
        # the surname last. Initials are short all-capital tokens in the raw name.
        raw = name.replace(".", ". ").split()
        if len(raw) >= 2 and all(len(w.strip(".")) <= 3 and w.strip(".").isupper() for w in raw[1:]):
            surname, given = words[0], " ".join(words[1:])
        elif len(words) >= 2:
            idx = len(words) - 1
            while idx > 1 and words[idx - 1] in _PARTICLES:
                idx -= 1
            surname, given = " ".join(words[idx:]), " ".join(words[:idx])
        else:
            surname, given = folded, ""
    surname = _NON_WORD_RE.sub("", surname)
    given_tokens = _NON_WORD_RE.sub(" ", given).split()
    initial = given_tokens[0][0] if given_tokens else ""
    return f"{surname} {initial}".strip() if surname else ""


def normalise_authors(authors: Iterable[str] | str | None) -> tuple[str, ...]:
    """``"surname f"`` per author, in the original order, "et al." dropped.

    Only the first initial is kept: databases disagree on middle initials far more
    often than they disagree on the surname.

    >>> normalise_authors(["Smith, John A.", "J. Doe", "Müller HJ", "et al."])
    ('smith j', 'doe j', 'muller h')
    """
    if not authors:
        return ()
    if isinstance(authors, str):
        authors = split_author_string(authors)
    out = []
    for name in authors:
        norm = _one_author(str(name)) if name else ""
        if norm:
            out.append(norm)
    return tuple(out)


# "et" is the "and" of Latin and French titles ("Acta Obstetricia et Gynecologica Scandinavica",
# abbreviated "Acta Obstet Gynecol Scand").
_JOURNAL_STOP = {"the", "of", "and", "for", "in", "on", "de", "la", "und", "fur", "a", "an", "et"}
# Embase appends the meeting to the journal ("Diabetes. Conference: 77th ...");
# the journal is what comes before.
_JOURNAL_TAIL_RE = re.compile(
    r"[.:;]\s*(conference|meeting|congress|abstracts?|supplement|suppl)\b.*$", re.IGNORECASE
)
_ORDINAL_RE = re.compile(r"^(\d+(st|nd|rd|th)?|first|second|third|[a-z]+teenth|[a-z]+tieth|thirty|forty|fifty|annual)$")
_GENERIC_VENUE = {"proceedings", "annual"}
_VENUE_WORDS = {"conference", "proceedings", "symposium", "congress", "workshop", "meeting"}
# The society that runs a conference, which one database names and the other leaves out ("ACM
# Conference on Human Factors in Computing Systems", "Proceedings of the 2018 CHI Conference on
# Human Factors in Computing Systems"); the rest of the shorter name must still be in the longer.
_SOCIETIES = {"acm", "ieee"}


@functools.lru_cache(maxsize=16384)  # a search holds a few thousand journals at most
def normalise_journal(journal: str | None) -> str:
    """Lower-case tokens without stop words, places or an appended meeting.

    >>> normalise_journal("The Journal of Clinical Oncology. Conference: ASCO 2019")
    'journal clinical oncology'
    """
    if not journal:
        return ""
    text = _JOURNAL_TAIL_RE.sub("", str(journal))
    # "Cardiology (Switzerland)", "Lancet (London, England)": the place is not the name.
    text = re.sub(r"\([^)]*\)", " ", _fold(text).replace("&", " and ").replace("+", " and "))
    text = _NON_WORD_RE.sub(" ", text)
    # British and American spellings of one journal ("Gynaecology", "Gynecology"): "ae" is
    # folded to "e" on both sides, so no two journal names become equal that differed otherwise.
    return " ".join(t.replace("ae", "e") for t in text.split() if t not in _JOURNAL_STOP)


def _prefix(x: str, y: str) -> bool:
    return x.startswith(y) or y.startswith(x)


def _spells(acronym: str, tokens: list[str]) -> bool:
    """Whether non-empty prefixes of ``tokens``, in order, spell ``acronym`` exactly.

    "amcis" = am(ericas) c(onference) i(nformation) s(ystems).
    """
    if not tokens:
        return not acronym
    head, rest = tokens[0], tokens[1:]
    return any(
        acronym[:k] == head[:k] and _spells(acronym[k:], rest)
        for k in range(1, min(len(head), len(acronym) - len(rest)) + 1)
    )


def _has_acronym(short: list[str], long: list[str]) -> bool:
    content = [t for t in long if not _ORDINAL_RE.match(t) and t not in _GENERIC_VENUE]
    if len(content) < 3:
        return False
    return any(
        len(tok) >= 3 and tok.isalpha() and tok[0] == content[0][0] and _spells(tok, content)
        for tok in short
    )


@functools.lru_cache(maxsize=65536)  # a search compares the same few journal pairs again and again
def journals_match(a: str, b: str) -> bool:
    """True when one normalised journal name abbreviates the other.

    Journals: token by token, in order, one token must be a prefix of the other
    ("j clin oncol" ~ "journal clinical oncology"), and no token may be left
    over ("Diabetes" and "Diabetes Care" are different journals).
    Conference proceedings: edition numbers and years are dropped and every word
    of the shorter name must appear in the longer ("Americas Conference on
    Information Systems" ~ "25th Americas Conference on Information Systems (AMCIS)").
    """
    if not a or not b:
        return False
    if a == b:
        return True
    ta, tb = a.split(), b.split()
    if len(ta) == len(tb) and all(_prefix(x, y) for x, y in zip(ta, tb, strict=True)):
        return True
    if _has_acronym(ta, tb) or _has_acronym(tb, ta):
        return True
    if not (_VENUE_WORDS & set(ta) and _VENUE_WORDS & set(tb)):
        return False
    ta = [t for t in ta if not _ORDINAL_RE.match(t) and t not in _SOCIETIES]
    tb = [t for t in tb if not _ORDINAL_RE.match(t) and t not in _SOCIETIES]
    if len(ta) > len(tb):
        ta, tb = tb, ta
    return len(ta) >= 3 and all(any(_prefix(x, y) for y in tb) for x in ta)


_PAGE_RE = re.compile(r"([a-z]*)(\d+)([a-z]*)")


def normalise_pages(pages: str | None) -> str:
    """``"first-last"`` with the last page written in full; ``"123-9"`` -> ``"123-129"``.

    >>> normalise_pages("e123--e129"), normalise_pages("1234-56"), normalise_pages("S12")
    ('e123-e129', '1234-1256', 's12')
    """
    if not pages:
        return ""
    text = _fold(str(pages)).replace("–", "-").replace("—", "-")
    found = _PAGE_RE.findall(text)
    if not found:
        return ""
    pre, first, post = found[0]
    start = f"{pre}{first.lstrip('0') or '0'}{post}"
    if len(found) == 1:
        return start
    pre2, last, post2 = found[1]
    first_n = first.lstrip("0") or "0"
    last = last.lstrip("0") or "0"
    if len(last) < len(first_n):
        last = first_n[: len(first_n) - len(last)] + last
    end = f"{pre2 or pre}{last}{post2}"
    return start if end == start else f"{start}-{end}"


def first_page(pages: str | None) -> str:
    return normalise_pages(pages).split("-", 1)[0]


_MONTHS = {m: str(k) for k, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
# A spreadsheet opened on the way turns the range "10-17" into the date "Oct-17" and "11-9"
# (11-19 abbreviated) into "11-Sep"; a month name is never a page, so it is read back as a number.
_EXCEL_MONTH_FIRST_RE = re.compile(r"^\s*([a-z]{3})[a-z]*[-/ ](\d{1,4})\s*$")
_EXCEL_MONTH_LAST_RE = re.compile(r"^\s*(\d{1,4})[-/ ]([a-z]{3})[a-z]*\s*$")
_E_PAGE_RE = re.compile(r"^e(\d+)$")


def page_span(pages: str | None) -> tuple[str, str]:
    """``(first, last)`` pages in the form two exports of one article share; ``last`` is ``""``
    for a single page.

    Beyond ``normalise_pages``: the "e" of an electronic page number is dropped ("e23-e29",
    "23-29" and "23-9" are one span; "e0137960" is article 137960), and a page range that a
    spreadsheet turned into a date ("Oct-17", "10-Jul") is read back. Other prefixes stay:
    "S12" is a supplement page, not page 12.

    >>> page_span("e23-e29"), page_span("23-9"), page_span("Oct-17"), page_span("S12")
    (('23', '29'), ('23', '29'), ('10', '17'), ('s12', ''))
    """
    text = _fold(str(pages or "")).strip()
    month_first = _EXCEL_MONTH_FIRST_RE.match(text)
    month_last = _EXCEL_MONTH_LAST_RE.match(text)
    if month_first and month_first.group(1) in _MONTHS:
        text = f"{_MONTHS[month_first.group(1)]}-{month_first.group(2)}"
    elif month_last and month_last.group(2) in _MONTHS:
        text = f"{month_last.group(1)}-{_MONTHS[month_last.group(2)]}"
    first, _, last = normalise_pages(text).partition("-")
    first, last = _E_PAGE_RE.sub(r"\1", first), _E_PAGE_RE.sub(r"\1", last)
    return first, "" if last == first else last


_DOI_RE = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)


def normalise_doi(doi: str | None) -> str:
    """Bare lower-case DOI without resolver prefix; the first one if several.

    >>> normalise_doi("https://dx.doi.org/10.1097/MOL.0b013e3282ffaf82.")
    '10.1097/mol.0b013e3282ffaf82'
    """
    if not doi:
        return ""
    text = html.unescape(str(doi)).strip()
    match = _DOI_RE.search(text)
    if not match:
        return ""
    value = match.group(0).lower().rstrip(".,;)]}>\"'")
    # DOIs inside URLs are percent-encoded by some exporters.
    return value.replace("%2f", "/").replace("%28", "(").replace("%29", ")")


_PMID_RE = re.compile(r"^\s*(?:pmid\s*[:=]?\s*)?0*(\d{1,9})\s*(?:\[[^\]]*\])?\s*$", re.IGNORECASE)


def normalise_pmid(pmid: str | int | None) -> str:
    """Digits of a PubMed id, without leading zeros or a ``PMID:`` label; else ``""``.

    >>> normalise_pmid("PMID: 0012345"), normalise_pmid("L629408226")
    ('12345', '')
    """
    if pmid is None or pmid == "":
        return ""
    match = _PMID_RE.match(str(pmid))
    return match.group(1) if match else ""
