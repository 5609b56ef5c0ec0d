"""Score one candidate pair and decide: duplicate, maybe, related or distinct.

The decision is a short list of explicit rules rather than a learned threshold on
one number, so a reviewer can read *why* two records were merged; ``score`` is a
0..1 summary used to order pairs for clustering and for the human queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import partial_ratio, token_set_ratio

from .normalise import journals_match
from .prepared import Prepared
from .rules import SAME_TITLE_AGAIN, content_reason, metadata_reason, related_reason

DUPLICATE = "duplicate"
MAYBE = "maybe"
RELATED = "related"
DISTINCT = "distinct"

# Below this title similarity a pair without a shared identifier is not looked at
# further; chosen well under the lowest similarity of a true duplicate seen in
# the labelled sets (translated or truncated titles are caught by identifiers).
MIN_TITLE = 0.70


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: str
    score: float
    reasons: tuple[str, ...]


_DISTINCT = Verdict(DISTINCT, 0.0, ())


def title_similarity(a: Prepared, b: Prepared) -> float:
    if not a.title_key or not b.title_key:
        return 0.0
    sim = Indel.normalized_similarity(a.title_key, b.title_key)
    if sim < 0.9:
        short, long = sorted((a.title_key, b.title_key), key=len)
        if len(short) >= 30 and (sim >= 0.6 or len(short) < 0.85 * len(long)):
            # One database truncates long titles or drops the subtitle.
            sim = max(sim, 0.97 * partial_ratio(short, long) / 100)
        elif len(short) >= 15 and long.startswith(short):
            sim = max(sim, 0.9)  # "Infrastructure in the wild" without its subtitle
    return sim


def author_similarity(a: Prepared, b: Prepared) -> float | None:
    """Share of the shorter author list found in the longer; None when unknown."""
    if not a.surnames or not b.surnames:
        return None
    if a.first_author == b.first_author and len(a.first_author) > 2:
        return 1.0
    shared = len(a.surnames & b.surnames) / min(len(a.surnames), len(b.surnames))
    if shared >= 0.5:
        return shared
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


def _same_journal_family(a: Prepared, b: Prepared) -> bool:
    # "Atherosclerosis Supplements" and "Atherosclerosis. Conference: ..." name the
    # same supplement issue; a shared leading journal name is enough for that.
    return bool(a.journal and b.journal) and all(
        x.startswith(y) or y.startswith(x) for x, y in zip(a.journal.split(), b.journal.split(), strict=False)
    )


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


def compare(a: Prepared, b: Prepared) -> Verdict:
    title = title_similarity(a, b)
    if title < MIN_TITLE:
        # Only a shared identifier, or a title translated by one database (same
        # first author, journal, volume, first page and year), earns a closer look.
        shares_id = (a.doi and a.doi == b.doi) or (a.pmid and a.pmid == b.pmid)
        if not (shares_id or _same_place(a, b)):
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
            ((ev.journal or _same_journal_family(a, b)) and (ev.volume or not (a.volume and b.volume)))
            or (ev.volume and ev.page)
        )
    )
    # A conference abstract and its full paper never share a DOI or PMID.
    related = "" if ev.same_id else related_reason(a, b, same_venue)
    if related:
        if title >= 0.85 and ev.authors_ok:
            return Verdict(RELATED, score, (related, *reasons))
        return _DISTINCT
    apart = "" if ev.same_id else metadata_reason(a, b)
    if apart:
        if apart == "years-and-dois-differ" and _printed_twice(a, ev):
            return Verdict(MAYBE, score, (apart, SAME_TITLE_AGAIN, *reasons))
        return Verdict(DISTINCT, 0.0, (apart,))

    extra = _duplicate_rule(a, b, ev)
    if extra is not None:
        return Verdict(DUPLICATE, score, (*reasons, *extra))
    if ev.same_id and title < 0.8 and (ev.bib_conflict or not ev.authors_ok):
        # Supplements give one DOI to hundreds of abstracts: a shared DOI with a
        # different title, first page or author list is a different abstract.
        return _DISTINCT
    if ev.same_id or ev.same_place or (title >= 0.85 and ev.authors_ok):
        return Verdict(MAYBE, score, tuple(reasons))
    return _DISTINCT


def _printed_twice(a: Prepared, ev: Evidence) -> bool:
    # Short titles ("Editorial", "Introduction to the minitrack") recur every year.
    strong_authors = ev.authors is not None and ev.authors >= 0.9
    return ev.title >= 0.98 and ev.journal and strong_authors and len(a.title_key) >= 30


def _duplicate_rule(a: Prepared, b: Prepared, ev: Evidence) -> tuple[str, ...] | None:
    """Extra reasons if the pair is certain enough to merge without a human, else None.

    Each branch was checked against the labelled sets for zero false merges;
    everything weaker goes to the human queue as "maybe".
    """
    title, authors = ev.title, ev.authors
    strong_authors = authors is not None and authors >= 0.9
    if (
        not ev.id_conflict
        and (title >= 0.98 or (title >= 0.9 and not ev.bib_conflict))
        and strong_authors
        and ev.journal
        and ev.page
        and ev.year_same
    ):
        # Embase mangles supplement volumes ("1)" for "128 (Suppl 1)") and one
        # database may drop a subtitle; the same journal, year, first page and
        # authors outweigh either.
        return ()
    if (ev.doi_same or ev.pmid_same) and title >= 0.95 and ev.same_print and not ev.bib_conflict:
        return ()  # one identifier agrees, the other is mistyped
    if ev.same_id and title >= 0.8 and (ev.authors_ok or (title >= 0.95 and ev.same_print)):
        return ()
    if ev.same_id and title >= 0.5 and authors is not None and authors >= 0.7 and ev.same_print and not ev.bib_conflict:
        return ("translated-title",)
    if not ev.id_conflict and not ev.bib_conflict and title >= 0.95 and ev.year_ok:
        corroborated = ev.journal or ev.volume or ev.page or (ev.abstract is not None and ev.abstract >= 0.9)
        if authors is not None and authors >= 0.7 and corroborated:
            return ()
        if ev.same_print and ev.authors_ok:
            return ()
    if (
        ev.same_place
        and not ev.id_conflict
        and not ev.bib_conflict
        and not (a.conference or b.conference)
        and strong_authors
        and len({x for x in a.surnames & b.surnames if len(x) > 2}) >= 2
        and (ev.abstract is None or ev.abstract >= 0.6)
    ):
        # Same authors, journal, volume and first page in the same year: one
        # article whose title one database gives in translation.
        return ("translated-title",)
    return None
