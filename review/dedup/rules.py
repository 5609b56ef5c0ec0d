"""Pairs that look alike but must never be merged.

Each rule returns a reason string when it fires. A fired rule wins over any
similarity. "related" marks a conference abstract and its later full paper,
which a reviewer wants linked (same study) but both kept.
"""

from __future__ import annotations

from .normalise import journals_match
from .prepared import Prepared

# A kept-apart pair that a person should still see: one long title, journal and author
# list a year apart under two DOIs is either a republished paper (one, and labelled so in
# Wagner's set) or a recurring item (two). Never merged without a person.
SAME_TITLE_AGAIN = "same-title-again"
CAUTIONS = {
    SAME_TITLE_AGAIN: (
        "The same title, journal and authors a year apart, under two DOIs: a paper printed twice "
        "(merge) or an item that recurs every year (keep both)? Concord never merges these by itself."
    ),
}


def content_reason(a: Prepared, b: Prepared, same_id: bool = False) -> str:
    """Different kinds of publication, read from the titles and types.

    These hold even for a shared DOI or PMID (``same_id``), because errata and
    protocols sometimes carry the article's identifiers in exports; only the
    number rule yields to a shared identifier ("Ca2+" typeset two ways).
    """
    if a.notice != b.notice:
        return "notice-vs-article"  # erratum/comment/reply and the article it is about
    if a.protocol != b.protocol:
        return "protocol-vs-results"
    if a.settings != b.settings:
        return "in-vivo-vs-in-vitro"
    if a.numbers and b.numbers and a.numbers != b.numbers and not same_id:
        return "title-numbers-differ"  # part 1 / part 2, phase II / phase III, 12 / 24 weeks
    return ""


def related_reason(a: Prepared, b: Prepared, same_venue: bool) -> str:
    """Conference abstract vs full paper of the same study.

    ``same_venue`` (same journal, year and volume) means both records describe the
    same printed abstract: Embase writes "Circulation. Conference: AHA 2017" where
    MEDLINE writes "Circulation" for the very same supplement page.
    """
    if a.conference != b.conference and not same_venue:
        return "conference-abstract-vs-paper"
    return ""


def metadata_reason(a: Prepared, b: Prepared) -> str:
    """Same-looking titles that the bibliographic details show to be two items.

    Only asked when no DOI or PMID is shared.
    """
    if a.year and b.year and abs(a.year - b.year) > 1:
        return "years-differ"
    if a.year and b.year and a.year != b.year and a.doi and b.doi and a.doi != b.doi:
        return "years-and-dois-differ"  # yearly editorials reuse their title
    pages_differ = bool(a.page and b.page) and a.page != b.page
    issues_differ = bool(a.issue and b.issue) and a.issue != b.issue
    volumes_differ = bool(a.volume and b.volume) and a.volume != b.volume
    if a.doi and b.doi and a.doi != b.doi and (pages_differ or issues_differ or volumes_differ):
        return "dois-and-issues-differ"  # "Editorial" in every issue of a journal
    if issues_differ and not (a.page or b.page):
        return "issues-differ"  # a column that recurs in every issue under one title
    if (
        a.journal
        and b.journal
        and (pages_differ or volumes_differ)
        and not journals_match(a.journal, b.journal)
    ):
        return "journals-differ"  # one study presented at two meetings, or a duplicate publication
    return ""
