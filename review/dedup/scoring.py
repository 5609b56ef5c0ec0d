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
from .rules import content_reason, metadata_reason, related_reason

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


def compare(a: Prepared, b: Prepared) -> Verdict:
    doi_same = bool(a.doi) and a.doi == b.doi
    pmid_same = bool(a.pmid) and a.pmid == b.pmid
    doi_conflict = bool(a.doi and b.doi) and not doi_same
    pmid_conflict = bool(a.pmid and b.pmid) and not pmid_same
    same_id = (doi_same or pmid_same) and not (doi_conflict or pmid_conflict)

    title = title_similarity(a, b)
    # A title translated by one database only: same first author, journal, volume,
    # first page and year is the same article.
    same_place = (
        bool(a.first_author and a.page and a.volume and a.year)
        and (a.first_author, a.page, a.volume, a.year) == (b.first_author, b.page, b.volume, b.year)
        and journals_match(a.journal, b.journal)
    )
    if title < MIN_TITLE and not (same_id or same_place):
        return _DISTINCT
    apart = content_reason(a, b, same_id)
    if apart:
        return Verdict(DISTINCT, 0.0, (apart,))

    reasons: list[str] = []
    if doi_same:
        reasons.append("doi")
    if pmid_same:
        reasons.append("pmid")
    reasons.append(f"title={title:.2f}")
    authors = author_similarity(a, b)
    if authors is not None:
        reasons.append(f"authors={authors:.2f}")
    year_ok = a.year is None or b.year is None or abs(a.year - b.year) <= 1
    if a.year and a.year == b.year:
        reasons.append("year")
    journal = journals_match(a.journal, b.journal)
    if journal:
        reasons.append("journal")
    volume = bool(a.volume) and a.volume == b.volume
    page = bool(a.page) and a.page == b.page
    if volume:
        reasons.append("volume")
    if page:
        reasons.append("pages")
    bib_conflict = (
        (bool(a.volume and b.volume) and not volume)
        or (bool(a.page and b.page) and not page)
        or (bool(a.issue and b.issue) and a.issue != b.issue and not (a.page or b.page))
    )
    abstract = None
    if len(a.abstract) >= 100 and len(b.abstract) >= 100:
        abstract = Indel.normalized_similarity(a.abstract, b.abstract)
        reasons.append(f"abstract={abstract:.2f}")

    score = (
        0.45 * title
        + 0.15 * (authors if authors is not None else 0.5)
        + 0.10 * (1.0 if a.year and a.year == b.year else 0.5 if year_ok else 0.0)
        + 0.10 * (1.0 if journal or volume or page else 0.0 if bib_conflict else 0.5)
        + 0.20 * (1.0 if same_id else 0.0 if doi_conflict or pmid_conflict else 0.5)
    )
    score = round(min(score, 1.0), 4)

    same_venue = (
        a.year == b.year
        and not bib_conflict
        and ((journal and (volume or not (a.volume and b.volume))) or (volume and page))
    )
    # A conference abstract and its full paper never share a DOI or PMID.
    related = "" if same_id else related_reason(a, b, same_venue)
    authors_ok = authors is None or authors >= 0.5
    if related:
        if title >= 0.85 and authors_ok:
            return Verdict(RELATED, score, (related, *reasons))
        return _DISTINCT
    apart = "" if same_id else metadata_reason(a, b)
    if apart:
        return Verdict(DISTINCT, 0.0, (apart,))

    no_conflict = not (doi_conflict or pmid_conflict or bib_conflict)
    same_print = journal and volume and page and a.year == b.year
    if (
        not (doi_conflict or pmid_conflict)
        and (title >= 0.98 or (title >= 0.9 and not bib_conflict))
        and authors is not None
        and authors >= 0.9
        and journal
        and page
        and a.year == b.year
    ):
        # Embase mangles supplement volumes ("1)" for "128 (Suppl 1)") and one
        # database may drop a subtitle; the same journal, year, first page and
        # authors outweigh either.
        return Verdict(DUPLICATE, score, tuple(reasons))
    if (doi_same or pmid_same) and title >= 0.95 and same_print and not bib_conflict:
        # Identifiers agree on one and disagree on the other: a mistyped DOI.
        return Verdict(DUPLICATE, score, tuple(reasons))
    if same_id and title >= 0.8 and (authors_ok or (title >= 0.95 and same_print)):
        return Verdict(DUPLICATE, score, tuple(reasons))
    if (
        same_id
        and title >= 0.5
        and authors is not None
        and authors >= 0.7
        and same_print
        and not bib_conflict
    ):
        return Verdict(DUPLICATE, score, (*reasons, "translated-title"))
    if no_conflict and title >= 0.95 and year_ok:
        if (
            authors is not None
            and authors >= 0.7
            and (journal or volume or page or (abstract is not None and abstract >= 0.9))
        ):
            return Verdict(DUPLICATE, score, tuple(reasons))
        if same_print and authors_ok:
            return Verdict(DUPLICATE, score, tuple(reasons))
    if (
        same_place
        and not (doi_conflict or pmid_conflict or bib_conflict)
        and not (a.conference or b.conference)
        and authors is not None
        and authors >= 0.9
        and len({x for x in a.surnames & b.surnames if len(x) > 2}) >= 2
        and (abstract is None or abstract >= 0.6)
    ):
        # Same authors, journal, volume and first page in the same year: one
        # article whose title one database gives in translation.
        return Verdict(DUPLICATE, score, (*reasons, "translated-title"))
    if same_id and title < 0.8 and (bib_conflict or not authors_ok):
        # Supplements give one DOI to hundreds of abstracts: a shared DOI with a
        # different title, first page or author list is a different abstract.
        return _DISTINCT
    if same_id or same_place or (title >= 0.85 and authors_ok):
        return Verdict(MAYBE, score, tuple(reasons))
    return _DISTINCT
