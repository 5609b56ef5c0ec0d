"""Rules that merge two records with agreeing titles on what their printed places say.

Each is reached only from ``scoring._duplicate_rule`` (or, for two DOIs, ``scoring.compare``)
once the titles agree: a supplement page prints several abstracts of one group, so a journal,
volume and page never merge two records whose titles differ. Each rule names the export habit
that motivated it; ``tests/review/dedup/test_dedup_printed_place.py`` holds that pattern and the
near miss the rule must leave apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .prepared import Prepared

if TYPE_CHECKING:
    from .scoring import Evidence, Thresholds


def same_journal_family(a: Prepared, b: Prepared) -> bool:
    # "Atherosclerosis Supplements" and "Atherosclerosis. Conference: ..." name the
    # same supplement issue; a shared leading journal name is enough for that.
    return bool(a.journal and b.journal) and all(
        x.startswith(y) or y.startswith(x) for x, y in zip(a.journal.split(), b.journal.split(), strict=False)
    )


def generic_title(a: Prepared, b: Prepared) -> bool:
    shorter = min(a, b, key=lambda p: len(p.title_key))
    return len(shorter.title_key) < 30 or len(shorter.title_tokens) <= 4


def issues_differ(a: Prepared, b: Prepared) -> bool:
    return bool(a.issue and b.issue) and a.issue != b.issue


def same_text_under_two_dois(a: Prepared, b: Prepared, ev: Evidence, limits: Thresholds) -> bool:
    """One meeting abstract printed under two DOIs (ASySD: the same hamster study as
    10.1016/j.appet.2012.05.003 and 10.1016/j.regpep.2012.05.039, both exported as Appetite
    e24): the same long title, the same abstract, the same authors, journal, year and first
    page. Both DOIs name the same text, so keeping one copy loses nothing a reviewer reads.
    Different DOIs otherwise keep records apart (``metadata_reason``): a journal's "Editorial"
    of every issue shares its title and authors, never its abstract and page."""
    return (
        bool(a.doi and b.doi)
        and a.doi != b.doi
        and not (a.pmid and b.pmid and a.pmid != b.pmid)
        and a.title_key == b.title_key
        and a.title_digits == b.title_digits
        and not generic_title(a, b)
        and ev.abstract is not None
        and ev.abstract >= limits.abstract_same
        and ev.authors is not None
        and ev.authors >= limits.strong_authors
        and ev.year_same
        and ev.journal
        and spans_agree(a, b)
    )


def journal_or_family(a: Prepared, b: Prepared, ev: Evidence) -> bool:
    return ev.journal or same_journal_family(a, b)


def spans_agree(a: Prepared, b: Prepared) -> bool:
    """The first pages agree, and so do the last pages where both records print one."""
    return bool(a.page) and a.page == b.page and not (a.last_page and b.last_page and a.last_page != b.last_page)


def same_printed_place(a: Prepared, b: Prepared, ev: Evidence) -> bool:
    """Agreeing titles at one journal, year, volume and first page, whatever the author lists say
    (reached only when the rules above, which weigh the authors, did not merge).

    A record without authors ("Kinderkrankenschwester" 31(6):254-5 in Bond's copper set), or two
    author lists one export mangled (Spanish double surnames read as given names: "Valeria, P. J."
    for "Prado, J. V."). The title must agree too: a supplement page prints several abstracts of one
    group, and only their titles tell them apart. Where both author lists are known and disagree,
    only a journal article whose whole page span agrees is merged: a conference abstract's page
    is shared with other abstracts.
    """
    if ev.id_conflict or ev.bib_conflict or not ev.year_same or not ev.volume:
        return False
    if not (spans_agree(a, b) and journal_or_family(a, b, ev)):
        return False
    if ev.authors is None or ev.authors_ok:
        return True
    return not (a.conference or b.conference) and bool(a.last_page) and a.last_page == b.last_page


def same_volume_and_pages(a: Prepared, b: Prepared, ev: Evidence, limits: Thresholds) -> bool:
    """A year apart, but the same volume and page span (an online date against the print date,
    2014 and 2015 for Mol Cell Biochem 400(1-2):69-75). A yearly item is printed in another
    volume each year, so the same volume and pages are not one of its issues."""
    return (
        bool(a.year and b.year)
        and abs(a.year - b.year) == 1
        and not ev.id_conflict
        and not ev.bib_conflict
        and ev.volume
        and spans_agree(a, b)
        and not issues_differ(a, b)
        and journal_or_family(a, b, ev)
        and ev.authors is not None
        and ev.authors >= limits.strong_authors
        and a.title_digits == b.title_digits
    )


def same_issue_and_abstract(a: Prepared, b: Prepared, ev: Evidence, limits: Thresholds) -> bool:
    """A short title ("2015 BioIron Meeting Abstracts", "Coronary artery disease") in one journal,
    year, volume and issue, with the same abstract: one item. A recurring title in the same issue
    ("Editorial") has another abstract each time."""
    return (
        ev.abstract is not None
        and ev.abstract >= limits.abstract_same
        and ev.year_same
        and ev.volume
        and bool(a.issue)
        and a.issue == b.issue
        and journal_or_family(a, b, ev)
        and not ev.id_conflict
        and not ev.bib_conflict
        and ev.authors_ok
        and a.title_digits == b.title_digits
    )


def same_proceedings_pages(a: Prepared, b: Prepared, ev: Evidence) -> bool:
    """A short title in one conference's proceedings of one year on the same span of pages
    ("Trustworthiness in enterprise crowdsourcing", pp. 41-50): within one proceedings a span of
    pages belongs to one paper. Not a single page, which several abstracts share."""
    return (
        a.conference
        and b.conference
        and ev.journal
        and ev.year_same
        and not ev.id_conflict
        and not ev.bib_conflict
        and not issues_differ(a, b)
        and bool(a.last_page)
        and spans_agree(a, b)
        and a.last_page == b.last_page
        and ev.authors_ok
    )


def online_first(a: Prepared, b: Prepared, ev: Evidence, limits: Thresholds) -> bool:
    """An article published online first and its printed issue: the online record has no volume
    or issue yet, and no pages or the online PDF's own from 1; the printed one, the same year or a
    year on, has volume and pages (Bond's tafenoquine set: Clin Infect Dis 2018 online, 2019
    69(3):480-6; copper: Infect Control Hosp Epidemiol 2017 "1-7" and 38(7):765-771). A yearly
    item is printed every year, so a record without volume a year before is not one of its
    issues; agreeing long titles (``_duplicate_rule``), the same numbers in them, the same
    journal and authors are still required."""
    if not (a.year and b.year and abs(a.year - b.year) <= 1):
        return False
    # The online record is the one without a volume, dated the same year as the print or earlier.
    early, late = sorted((a, b), key=lambda p: (p.year, bool(p.volume)))
    return (
        not early.volume
        and early.page in ("", "1")  # an online PDF is paginated from 1
        and not early.issue
        and bool(late.volume and late.page)
        and a.title_digits == b.title_digits
        and not generic_title(a, b)
        and ev.authors is not None
        and ev.authors >= limits.strong_authors
        and ev.journal
        and not ev.id_conflict
    )
