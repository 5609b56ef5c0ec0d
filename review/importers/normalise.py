"""Field normalisation shared by every parser.

Each function takes what an export holds and returns Concord's form, or "" / None / []
when nothing usable is there; none of them raises on odd input.
"""

from __future__ import annotations

import functools
import re

_DOI = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_DOI_TRAILING = ".,;:)]}>'\""
_ISSN = re.compile(r"(\d{4})\s?[-\u2010-\u2015]?\s?(\d{3}[\dXx])")
_AND = re.compile(r"\s+and\s+")
_TOKEN_SEPARATORS = re.compile(r"[\s,;]+")
_NOT_ISBN_CHARS = re.compile(r"[^0-9Xx]")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")
_DASHES = re.compile(r"\s*(?:--|[\u2010-\u2015\u2212])\s*")
_EMAIL_PAREN = re.compile(r"\s*\([^()]*@[^()]*\)")
_INITIALS = r"(?:[A-Z]\.?[ -]?){1,4}"
_SURNAME_INITIALS = re.compile(rf"^(\S.*?) ({_INITIALS})$")
_INITIALS_SURNAME = re.compile(r"^((?:[A-Z]\.[ -]?){1,4}) ?(\S.*)$")


def clean_line(value: str) -> str:
    """One-line text (titles, journals): whitespace runs become one space."""
    if not value:
        return ""
    if "  " in value or "\n" in value or "\t" in value or not value.isascii():
        return " ".join(value.split())
    return value.strip()


def clean_text(value: str) -> str:
    """Multi-line text (abstracts): trailing spaces and blank runs go, paragraphs stay."""
    if not value:
        return ""
    if "\n" not in value:
        return clean_line(value)
    lines = [" ".join(part.split()) for part in value.split("\n")]
    return "\n".join(part for part in lines if part)


def doi(value: str) -> str:
    if not value:
        return ""
    value = value.replace("%2F", "/").replace("%2f", "/")
    match = _DOI.search(value)
    if not match:
        return ""
    found = match.group(0)
    if found.lower().endswith("[doi]"):
        found = found[:-5]
    found = found.rstrip(_DOI_TRAILING)
    # The strip may take a bracket that belongs to the DOI ("...0258(199803)"): brackets
    # go back while the DOI opens more than it closes.
    whole = match.group(0)
    while whole[len(found) :].startswith(")") and found.count("(") > found.count(")"):
        found += ")"
    return found.lower()


def pmid(value: str) -> str:
    value = (value or "").strip()
    if value.lower().startswith("pmid:"):
        value = value[5:].strip()
    return value if value.isdigit() and len(value) <= 12 else ""


_PMID_LABELLED = re.compile(r"PMID:?\s*(\d{1,9})\b", re.IGNORECASE)
_PMID_URL = re.compile(r"pubmed(?:\.ncbi\.nlm\.nih\.gov)?/(\d{1,9})\b")


def find_pmid(value: str) -> str:
    """A PMID given bare, as "PMID: 123" inside notes, or as a PubMed URL."""
    value = (value or "").strip()
    if value.isdigit():
        return pmid(value)
    match = _PMID_LABELLED.search(value) or _PMID_URL.search(value)
    return match.group(1) if match else ""


def issns(*values: str) -> list[str]:
    found: list[str] = []
    for value in values:
        if not value:
            continue
        for token in _TOKEN_SEPARATORS.split(value):
            if len(token) < 8:
                continue
            if len(token) >= 10:
                digits = _NOT_ISBN_CHARS.sub("", token)
                if len(digits) in (10, 13) and not _ISSN.fullmatch(token.strip("()")):
                    continue  # an ISBN, not an ISSN
            for a, b in _ISSN.findall(token):
                issn = f"{a}-{b.upper()}"
                if issn not in found:
                    found.append(issn)
    return found


def isbns(*values: str) -> list[str]:
    found: list[str] = []
    for value in values:
        for token in _TOKEN_SEPARATORS.split(value or ""):
            digits = _NOT_ISBN_CHARS.sub("", token)
            if len(digits) in (10, 13) and digits[:-1].isdigit() and digits not in found:
                found.append(digits.upper())
    return found


def year(*values: str) -> int | None:
    for value in values:
        if value:
            match = _YEAR.search(value)
            if match:
                return int(match.group(1))
    return None


def pages(value: str, end: str = "") -> str:
    value = clean_line(value)
    end = clean_line(end)
    if value:
        value = _DASHES.sub("-", value)
    if end:
        end = _DASHES.sub("-", end)
        if value and "-" not in value and end != value:
            return f"{value}-{end}"
        if not value:
            return end
    first, dash, last = value.partition("-")
    if dash and first == last:
        return first
    return value


def author(value: str) -> str:
    """ "Last, First M." where that can be done without guessing which word is the surname."""
    if "(" in value:
        value = _EMAIL_PAREN.sub("", value)
    value = clean_line(value).strip(",;")
    if not value:
        return ""
    if "," in value:
        last, _, given = value.partition(",")
        last, given = last.strip(), given.strip()
        if len(given) <= 3 and given.isupper() and given.isalpha() and given not in ("II", "III"):
            given = " ".join(f"{letter}." for letter in given)
        return f"{last}, {given}" if given else last
    match = _SURNAME_INITIALS.match(value)
    if match and " " in value:
        last, initials = match.group(1), match.group(2).strip()
        if initials.isalpha():
            initials = " ".join(f"{letter}." for letter in initials)
        return f"{last}, {initials}"
    match = _INITIALS_SURNAME.match(value)
    if match and " " not in match.group(2):
        return f"{match.group(2)}, {match.group(1).strip()}"
    return value


def authors(values: list[str]) -> list[str]:
    out = []
    for value in values:
        name = author(value)
        if name:
            out.append(name)
    return out


def split_authors(value: str) -> list[str]:
    """Split one cell holding many names (CSV/XLSX exports, BibTeX "and" lists)."""
    value = (value or "").strip()
    if not value:
        return []
    for separator in (";", "|", "\n"):
        if separator in value:
            return [part for part in (p.strip() for p in value.split(separator)) if part]
    if " and " in value:
        # BibTeX's separator, which some CSV exports copy verbatim.
        return [part for part in (p.strip() for p in _AND.split(value)) if part]
    parts = [part.strip() for part in value.split(",")]
    # "Liu R., Adler D.G." lists names; "Rotter, Carina" is one name: only a list when
    # every comma-separated part holds a surname and initials.
    if len(parts) > 2 or (len(parts) == 2 and all(" " in p for p in parts)):
        if all(" " in p for p in parts if p):
            return [p for p in parts if p]
    return [value]


def keywords(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        keyword = clean_line(value)
        if keyword and keyword not in seen:
            seen.add(keyword)
            out.append(keyword)
    return out


def split_keywords(value: str) -> list[str]:
    if not value:
        return []
    separator = ";" if ";" in value else ("|" if "|" in value else None)
    if separator is None:
        return keywords([value])
    return keywords(value.split(separator))


def split_top_level_commas(value: str) -> list[str]:
    """Embase's "cyst (diagnosis, surgery), colonoscopy": commas inside brackets stay."""
    parts, depth, current = [], 0, []
    for ch in value or "":
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return keywords(parts)


_TYPE_RULES = (
    ("journal_article", ("case report",)),  # PubMed's "Case Reports" are not reports
    ("erratum", ("erratum", "correction", "corrigendum")),
    ("preprint", ("preprint",)),
    ("conference_abstract", ("conference abstract", "meeting abstract", "congress", "abst")),
    (
        "conference_paper",
        (
            "conference paper",
            "conference proceeding",
            "proceedings",
            "cpaper",
            "conf",
            "inproceedings",
        ),
    ),
    ("editorial", ("editorial",)),
    ("letter", ("letter",)),
    ("comment", ("comment", "note")),
    ("review", ("review", "meta-analysis", "short survey")),
    ("thesis", ("thesis", "dissertation", "phdthesis", "mastersthesis", "thes")),
    ("report", ("report", "rprt", "techreport")),
    ("book_section", ("book section", "book chapter", "chapter", "chap", "incollection", "inbook")),
    ("book", ("book", "edbook", "ebook")),
    ("journal_article", ("journal article", "article", "jour", "jfull", "ejour", "mgzn")),
)


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_TYPE_PATTERNS = tuple(
    (
        kind,
        re.compile(
            "|".join(rf"\b{re.escape(w)}\b" if len(w) <= 5 else re.escape(w) for w in words)
        ),
    )
    for kind, words in _TYPE_RULES
)


def publication_type(*hints: str) -> str:
    """Map export type strings to Concord's vocabulary; earlier hints win over later ones."""
    kinds = [_type_of(hint) for hint in hints if hint]
    for kind in kinds:
        if kind not in ("journal_article", "other"):
            return kind
    return "journal_article" if "journal_article" in kinds else "other"


@functools.lru_cache(maxsize=1024)
def _type_of(hint: str) -> str:
    hint = _CAMEL.sub(" ", hint.strip()).lower()
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(hint):
            return kind
    return "other"
