"""Score one candidate pair and decide: duplicate, maybe, related or distinct.

The decision is a short list of explicit rules rather than a learned threshold on
one number, so a reviewer can read *why* two records were merged; ``score`` is a
0..1 summary used to order pairs for clustering and for the human queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import partial_ratio, token_set_ratio

from .normalise import journals_match
from .places import (
    generic_title,
    issues_differ,
    online_first,
    same_issue_and_abstract,
    same_journal_family,
    same_printed_place,
    same_proceedings_pages,
    same_text_under_two_dois,
    same_volume_and_pages,
)
from .prepared import ROMAN, Prepared
from .rules import SAME_TITLE_AGAIN, content_reason, metadata_reason, related_reason

DUPLICATE = "duplicate"
MAYBE = "maybe"
RELATED = "related"
DISTINCT = "distinct"

# Below this title similarity a pair without a shared identifier is not looked at
# further; chosen well under the lowest similarity of a true duplicate seen in
# the labelled sets (translated or truncated titles are caught by identifiers).
MIN_TITLE = 0.70
# Titles decide automatic merges: without near-identical titles (or one a clear truncation of
# the other, which ``title_similarity`` scores at 0.97 x its partial ratio) nothing else, however
# much it agrees, merges two records without a person. A supplement page prints several
# abstracts by one group under one DOI, volume and page; only their titles tell them apart.
# 0.95 is a property of the string, not a fitted value: a few characters per hundred
# (punctuation, a typo, British spelling).
TITLES_AGREE = 0.95
# The score of a title that is a clear variant of the other (see ``titles_agree``).
VARIANT = 0.97
# Two words are one spelled differently ("randomised", "randomized") at this similarity.
SPELLING = 0.8
# Without a shared identifier or printed place, titles this alike with agreeing authors go
# to a person as "maybe".
QUEUE_TITLE = 0.85
# Records that carry only a title and an abstract (screening exports) merge without a person
# when, besides agreeing long titles, the openings of their abstracts (the first 400
# characters, folded) are this alike: the same text up to a few characters per hundred
# (markup, a copyright line, a typographic quote), like ``TITLES_AGREE``.
ABSTRACT_SAME = 0.95
# Author lists this alike (share of the shorter list found in the longer) are one team's: the
# rules that merge on the printed place or across a year without an identifier ask for them.
STRONG_AUTHORS = 0.9
SAME_ABSTRACT = "same-abstract"
ONLINE_FIRST = "online-first"
SAME_PRINTED_PLACE = "same-printed-place"
SAME_VOLUME_AND_PAGES = "same-volume-and-pages"
SAME_ISSUE_AND_ABSTRACT = "same-issue-and-abstract"
SAME_PROCEEDINGS_PAGES = "same-proceedings-pages"
FRONT_MATTER_AGAIN = "front-matter-again"
SAME_TEXT_TWO_DOIS = "same-text-two-dois"
# Items a conference or journal prints every year under one title: the introduction to a
# minitrack or a special issue, a preface, a foreword. A year apart they are two items, and a
# review has no use for either, so nobody is asked. Read on the normalised title.
_FRONT_MATTER_RE = re.compile(
    r"^(introduction to the (mini ?track|track|special (issue|section|theme))|mini ?track introduction|"
    r"preface|foreword|editor s (note|introduction)|editors (note|introduction))\b"
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The similarity thresholds of the rules, injectable so that the benchmark can choose
    them on some labelled sets and score them on another (leave-one-set-out); the defaults
    are the values Concord uses."""

    min_title: float = MIN_TITLE
    titles_agree: float = TITLES_AGREE
    spelling: float = SPELLING
    queue_title: float = QUEUE_TITLE
    abstract_same: float = ABSTRACT_SAME
    strong_authors: float = STRONG_AUTHORS


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: str
    score: float
    reasons: tuple[str, ...]


_DISTINCT = Verdict(DISTINCT, 0.0, ())


def title_similarity(a: Prepared, b: Prepared) -> float:
    if not a.title_key or not b.title_key:
        return 0.0
    if _variants_match(a, b):
        return VARIANT
    sim = Indel.normalized_similarity(a.title_key, b.title_key)
    if sim < 0.9:
        short, long = sorted((a.title_key, b.title_key), key=len)
        if len(short) >= 30 and (sim >= 0.6 or len(short) < 0.85 * len(long)):
            # One database truncates long titles or drops the subtitle.
            sim = max(sim, 0.97 * partial_ratio(short, long) / 100)
        elif len(short) >= 15 and long.startswith(short):
            sim = max(sim, 0.9)  # "Infrastructure in the wild" without its subtitle
    return sim


def titles_agree(a: Prepared, b: Prepared, title: float, limits: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    """Near-identical titles, or one a clear variant of the other (subtitle dropped,
    the other language of a "translation [original]" title, a truncation of either)."""
    if not (a.title_key and b.title_key):
        return False  # a record without a title pairs on what it has, through a person
    if _same_or_cut(a.title_key, b.title_key, shortest=30) or _variants_match(a, b):
        return True  # the keys ignore spaces: "K<inf>Ca</inf>3.1" is "KCa3.1"
    return title >= limits.titles_agree and not _words_replaced(a, b, limits.spelling)


def _variants_match(a: Prepared, b: Prepared) -> bool:
    """One title is the other without its subtitle, or one language of a bilingual title.

    A form is set against the other's whole title, never against its forms: two papers
    may share a main title ("Infrastructure in the wild") and differ in the subtitle.
    """
    if a.title_main and a.title_main == b.title_key or b.title_main and b.title_main == a.title_key:
        return True
    if a.title_rest and a.title_rest == b.title_key or b.title_rest and b.title_rest == a.title_key:
        return True  # "Short report: X" and "X"
    return any(_same_or_cut(a.title_key, y) for y in b.title_languages) or any(
        _same_or_cut(x, b.title_key) for x in a.title_languages
    )


def _same_or_cut(x: str, y: str, shortest: int = 20) -> bool:
    """Equal, or one cut short by an export's length limit."""
    short, long = sorted((x, y), key=len)
    return short == long or (len(short) >= shortest and long.startswith(short))


def _words_replaced(a: Prepared, b: Prepared, spelling: float = SPELLING) -> bool:
    """Each title has a word the other lacks, and not as a spelling variant: "safety" for
    "efficacy", "women" for "men": two papers, however alike the rest."""
    only_a = a.title_tokens - b.title_tokens
    only_b = b.title_tokens - a.title_tokens
    if a.numbers == b.numbers:
        # "Part II" and "part 2": the numbers were compared already (``content_reason``).
        only_a = {t for t in only_a if not _numeral(t)}
        only_b = {t for t in only_b if not _numeral(t)}
    if not only_a or not only_b:
        return False
    joined_a = "".join(t for t in a.title.split() if t in only_a)
    joined_b = "".join(t for t in b.title.split() if t in only_b)
    if joined_a == joined_b or Indel.normalized_similarity(joined_a, joined_b) >= spelling:
        return False  # a word split or glued differently, or one spelling fix
    # A word is replaced only when nothing in the other title is a spelling of it
    # ("textilesa", an export's mojibake, still spells "textiles").
    return _unmatched(only_a, b.title_tokens, spelling) and _unmatched(only_b, a.title_tokens, spelling)


def _unmatched(words, other_tokens, spelling: float) -> bool:
    return any(max(Indel.normalized_similarity(w, v) for v in other_tokens) < spelling for w in words)


def _numeral(token: str) -> bool:
    return token.isdigit() or token in ROMAN


def _compound_surnames_shared(left: frozenset, right: frozenset) -> float:
    """Share of the shorter list whose surname is the other's, or one part of a compound surname
    that the other export split ("Tumer Kabadayi, E." against "Kabadayi, Ebru Tumer"): one ends or
    begins with the other, at least four letters long. Only for lists of two or more: one "Wang"
    and one "Wangari" are two people, where a whole list of such splits is one export's habit."""
    small, large = sorted((left, right), key=len)
    if len(small) < 2:
        return 0.0

    def found(name: str) -> bool:
        return name in large or any(
            min(len(name), len(other)) >= 4 and (name.endswith(other) or other.endswith(name)
                                                 or name.startswith(other) or other.startswith(name))
            for other in large
        )

    return sum(found(name) for name in small) / len(small)


def author_similarity(a: Prepared, b: Prepared) -> float | None:
    """Share of the shorter author list found in the longer; None when unknown."""
    if not a.surnames or not b.surnames:
        return None
    if a.first_author == b.first_author and len(a.first_author) > 2:
        return 1.0
    shared = len(a.surnames & b.surnames) / min(len(a.surnames), len(b.surnames))
    if shared >= 0.5:
        return shared
    compound = _compound_surnames_shared(a.surnames, b.surnames)
    if compound >= 0.5:
        return compound
    if a.swapped and b.swapped:
        flipped = {(y, x) for x, y in b.swapped}
        if len(a.swapped & flipped) >= 0.6 * min(len(a.swapped), len(b.swapped)):
            return 0.7
    return token_set_ratio(" ".join(a.authors), " ".join(b.authors)) / 100 * 0.8


@dataclass(slots=True)
class Evidence:
    """What two records share and where they contradict each other."""

    title: float
    authors: float | None
    doi_same: bool
    pmid_same: bool
    id_conflict: bool  # both have a DOI (or PMID) and they differ
    same_place: bool  # first author, journal, volume, first page and year agree
    year_same: bool
    year_ok: bool  # equal, within one (epub vs print) or unknown
    journal: bool
    volume: bool
    page: bool
    bib_conflict: bool  # volume, first page or (without pages) issue differ
    abstract: float | None

    @property
    def same_id(self) -> bool:
        return (self.doi_same or self.pmid_same) and not self.id_conflict

    @property
    def authors_ok(self) -> bool:
        return self.authors is None or self.authors >= 0.5

    @property
    def same_print(self) -> bool:
        return self.journal and self.volume and self.page and self.year_same

    def reasons(self) -> list[str]:
        out = [name for name in ("doi_same", "pmid_same") if getattr(self, name)]
        out = [name.removesuffix("_same") for name in out]
        out.append(f"title={self.title:.2f}")
        if self.authors is not None:
            out.append(f"authors={self.authors:.2f}")
        out += [
            label
            for label, flag in (
                ("year", self.year_same),
                ("journal", self.journal),
                ("volume", self.volume),
                ("pages", self.page),
            )
            if flag
        ]
        if self.abstract is not None:
            out.append(f"abstract={self.abstract:.2f}")
        return out

    def score(self) -> float:
        value = (
            0.45 * self.title
            + 0.15 * (self.authors if self.authors is not None else 0.5)
            + 0.10 * (1.0 if self.year_same else 0.5 if self.year_ok else 0.0)
            + 0.10 * (1.0 if self.journal or self.volume or self.page else 0.0 if self.bib_conflict else 0.5)
            + 0.20 * (1.0 if self.same_id else 0.0 if self.id_conflict else 0.5)
        )
        return round(min(value, 1.0), 4)


def evidence(a: Prepared, b: Prepared, title: float) -> Evidence:
    doi_same = bool(a.doi) and a.doi == b.doi
    pmid_same = bool(a.pmid) and a.pmid == b.pmid
    volume = bool(a.volume) and a.volume == b.volume
    page = bool(a.page) and a.page == b.page
    abstract = None
    if len(a.abstract) >= 100 and len(b.abstract) >= 100:
        abstract = Indel.normalized_similarity(a.abstract, b.abstract)
    return Evidence(
        title=title,
        authors=author_similarity(a, b),
        doi_same=doi_same,
        pmid_same=pmid_same,
        id_conflict=(bool(a.doi and b.doi) and not doi_same) or (bool(a.pmid and b.pmid) and not pmid_same),
        same_place=_same_place(a, b),
        year_same=bool(a.year) and a.year == b.year,
        year_ok=a.year is None or b.year is None or abs(a.year - b.year) <= 1,
        journal=journals_match(a.journal, b.journal),
        volume=volume,
        page=page,
        bib_conflict=(
            (bool(a.volume and b.volume) and not volume)
            or (bool(a.page and b.page) and not page)
            or (bool(a.issue and b.issue) and a.issue != b.issue and not (a.page or b.page))
        ),
        abstract=abstract,
    )


def _same_place(a: Prepared, b: Prepared) -> bool:
    return (
        bool(a.first_author and a.page and a.volume and a.year)
        and (a.first_author, a.page, a.volume, a.year) == (b.first_author, b.page, b.volume, b.year)
        and journals_match(a.journal, b.journal)
    )


def compare(a: Prepared, b: Prepared, limits: Thresholds = DEFAULT_THRESHOLDS) -> Verdict:
    title = title_similarity(a, b)
    if title < limits.min_title:
        # Only a shared identifier earns a closer look (a title translated by one
        # database); the same journal, volume and page is not enough, since a supplement
        # page prints several abstracts of one group.
        shares_id = (a.doi and a.doi == b.doi) or (a.pmid and a.pmid == b.pmid)
        if not (shares_id or _translated_candidate(a, b)):
            return _DISTINCT
    ev = evidence(a, b, title)
    apart = content_reason(a, b, ev.same_id)
    if apart:
        return Verdict(DISTINCT, 0.0, (apart,))
    reasons = ev.reasons()
    score = ev.score()

    same_venue = (
        ev.year_same
        and not ev.bib_conflict
        and (
            ((ev.journal or same_journal_family(a, b)) and (ev.volume or not (a.volume and b.volume)))
            or (ev.volume and ev.page)
        )
    )
    # A conference abstract and its full paper never share a DOI or PMID.
    related = "" if ev.same_id else related_reason(a, b, same_venue)
    if related:
        if title >= 0.85 and ev.authors_ok:
            return Verdict(RELATED, score, (related, *reasons))
        return _DISTINCT
    if (
        not ev.same_id
        and a.year
        and b.year
        and a.year != b.year
        and _FRONT_MATTER_RE.match(a.title)
        and _FRONT_MATTER_RE.match(b.title)
    ):
        return Verdict(DISTINCT, 0.0, (FRONT_MATTER_AGAIN,))
    if same_text_under_two_dois(a, b, ev, limits):
        return Verdict(DUPLICATE, score, (*reasons, SAME_TEXT_TWO_DOIS))
    apart = "" if ev.same_id else metadata_reason(a, b)
    if apart:
        if apart == "years-and-dois-differ" and _printed_twice(a, ev, limits):
            return Verdict(MAYBE, score, (apart, SAME_TITLE_AGAIN, *reasons))
        if apart == "years-differ" and _bare(a) and _bare(b) and _same_long_title(a, b):
            # A bare record's year is often the date it was indexed or reprinted; with no
            # author or venue to tell a reprint from a recurring item, a person decides.
            return Verdict(MAYBE, score, (apart, SAME_TITLE_AGAIN, *reasons))
        return Verdict(DISTINCT, 0.0, (apart,))

    extra = _duplicate_rule(a, b, ev, limits)
    if extra is not None:
        return Verdict(DUPLICATE, score, (*reasons, *extra))
    if generic_title(a, b) and not ev.same_id and (ev.bib_conflict or issues_differ(a, b)):
        return Verdict(DISTINCT, 0.0, ("recurring-title",))  # "Editorial notes" of two issues
    if ev.same_id and title < 0.8 and (ev.bib_conflict or not ev.authors_ok):
        # Supplements give one DOI to hundreds of abstracts: a shared DOI with a
        # different title, first page or author list is a different abstract.
        return _DISTINCT
    if ev.same_id or (ev.same_place and title >= limits.min_title):
        return Verdict(MAYBE, score, tuple(reasons))
    if title >= limits.queue_title and ev.authors_ok and not _only_titles_differ(a, b, title, limits):
        return Verdict(MAYBE, score, tuple(reasons))
    if _translated_candidate(a, b):
        return Verdict(MAYBE, score, ("translated-title?", *reasons))
    return _DISTINCT


def _bare(p: Prepared) -> bool:
    return not (p.authors or p.journal or p.volume or p.page or p.doi or p.pmid)


def _same_long_title(a: Prepared, b: Prepared) -> bool:
    return a.title_key == b.title_key and not generic_title(a, b) and a.title_digits == b.title_digits


def _only_titles_differ(a: Prepared, b: Prepared, title: float, limits: Thresholds) -> bool:
    """Records with nothing but a title (and perhaps an abstract and year: screening exports)
    whose titles each have a word the other lacks: "Clinical practice guideline: tinnitus" and
    "Clinical practice guideline: tonsillectomy in children". With no author, venue or
    identifier a person has nothing more to go on than that the titles name different things,
    so the question is not asked; the same titles on fuller records still go to a person."""
    return (
        _bare(a)
        and _bare(b)
        and not titles_agree(a, b, title, limits)
        and _words_replaced(a, b, limits.spelling)
    )


def _translated_candidate(a: Prepared, b: Prepared) -> bool:
    """Two journal articles with one first author, journal, volume, first page and year but
    unlike titles: one database's translation of the title, for a person to confirm. Not for
    conference abstracts, where one supplement page holds several abstracts of one group."""
    return _same_place(a, b) and not (a.conference or b.conference)


def _printed_twice(a: Prepared, ev: Evidence, limits: Thresholds) -> bool:
    # Short titles ("Editorial", "Introduction to the minitrack") recur every year.
    strong_authors = ev.authors is not None and ev.authors >= limits.strong_authors
    return ev.title >= 0.98 and ev.journal and strong_authors and len(a.title_key) >= 30


def _duplicate_rule(a: Prepared, b: Prepared, ev: Evidence, limits: Thresholds) -> tuple[str, ...] | None:
    """Extra reasons if the pair is certain enough to merge without a human, else None.

    Every branch needs agreeing titles first (``titles_agree``): a shared identifier, venue,
    page or author list never merges two records whose titles differ. Everything weaker
    goes to the human queue as "maybe".
    """
    title, authors = ev.title, ev.authors
    if not titles_agree(a, b, title, limits):
        return None
    if generic_title(a, b) and not (ev.same_id or (ev.same_print and not issues_differ(a, b))):
        # "Editorial introduction" recurs in every issue by the same editors: a short title
        # agrees by chance, so only an identifier, the same printed place, the same abstract in
        # the same issue or the same span of a proceedings' pages merges it.
        if same_issue_and_abstract(a, b, ev, limits):
            return (SAME_ISSUE_AND_ABSTRACT,)
        if same_proceedings_pages(a, b, ev):
            return (SAME_PROCEEDINGS_PAGES,)
        return None
    strong_authors = authors is not None and authors >= limits.strong_authors
    if (
        not ev.id_conflict
        and (title >= 0.98 or not ev.bib_conflict)
        and strong_authors
        and ev.journal
        and ev.page
        and ev.year_same
    ):
        # Embase mangles supplement volumes ("1)" for "128 (Suppl 1)"); the same journal,
        # year, first page and authors outweigh it.
        return ()
    if (ev.doi_same or ev.pmid_same) and ev.same_print and not ev.bib_conflict:
        return ()  # one identifier agrees, the other is mistyped
    if ev.same_id and (ev.authors_ok or ev.same_print):
        return ()
    # Without a shared identifier, a year apart is a yearly item as often as an epub date.
    if not ev.id_conflict and not ev.bib_conflict and (ev.year_same or (ev.year_ok and ev.same_id)):
        corroborated = ev.journal or ev.volume or ev.page or (ev.abstract is not None and ev.abstract >= 0.9)
        if authors is not None and authors >= 0.7 and corroborated:
            return ()
        if ev.same_print and ev.authors_ok:
            return ()
    if _abstracts_corroborate(a, b, ev, limits):
        return (SAME_ABSTRACT,)
    if online_first(a, b, ev, limits):
        return (ONLINE_FIRST,)
    if same_printed_place(a, b, ev):
        return (SAME_PRINTED_PLACE,)
    if same_volume_and_pages(a, b, ev, limits):
        return (SAME_VOLUME_AND_PAGES,)
    return None


def _abstracts_corroborate(a: Prepared, b: Prepared, ev: Evidence, limits: Thresholds) -> bool:
    """The second piece of evidence for records that have little else: the same abstract.

    Only reached with agreeing long titles (``_duplicate_rule``). The years must be equal or
    both unknown (a yearly item reuses its title and often its abstract), nothing printed
    or identifying may contradict, and the raw titles must carry the same numbers: the
    parts of one consensus statement share a title up to "(Part 1 of 4)" and the opening
    of their abstract.
    """
    return (
        ev.abstract is not None
        and ev.abstract >= limits.abstract_same
        and not ev.id_conflict
        and not ev.bib_conflict
        and ev.authors_ok
        and (ev.year_same or (a.year is None and b.year is None))
        and a.title_digits == b.title_digits
    )
