"""Pairs that look alike but must never be merged.

Each rule returns a reason string when it fires. A fired "distinct" rule wins over
any similarity; "related" marks a conference abstract and its later full paper,
which a reviewer wants linked (same study) but both kept.
"""

from __future__ import annotations

from .normalise import journals_match
from .prepared import Prepared


def apart_reason(a: Prepared, b: Prepared, same_id: bool) -> str:
    """Why ``a`` and ``b`` are different publications, or ``""``.

    ``same_id`` (equal DOI or PMID) silences the rules that only guess from
    metadata; the notice and protocol rules still apply because errata and
    protocols sometimes reuse the article's identifiers in exports.
    """
    if a.notice != b.notice:
        return "notice-vs-article"  # erratum/comment/reply and the article it is about
    if a.protocol != b.protocol:
        return "protocol-vs-results"
    if a.settings != b.settings and (a.settings or b.settings):
        return "in-vivo-vs-in-vitro"
    if same_id:
        return ""
    if a.numbers and b.numbers and a.numbers != b.numbers:
        return "title-numbers-differ"  # part 1 / part 2, phase II / phase III, 12 / 24 weeks
    if a.year and b.year and abs(a.year - b.year) > 1:
        return "years-differ"
    if a.year and b.year and a.year != b.year and a.doi and b.doi and a.doi != b.doi:
        return "years-and-dois-differ"  # yearly editorials reuse their title
    if a.issue and b.issue and a.issue != b.issue and not (a.page or b.page):
        return "issues-differ"  # a column that recurs in every issue under one title
    if (
        a.journal
        and b.journal
        and ((a.page and b.page and a.page != b.page) or (a.volume and b.volume and a.volume != b.volume))
        and not journals_match(a.journal, b.journal)
    ):
        return "journals-differ"  # one study presented at two meetings, or a duplicate publication
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
