"""Each PRISMA 2020 column adds up by itself, in the table, the JSON, the CSV and the diagram.

The review of issue 12: database sources and one "other methods" source whose export holds
the same record twice. PRISMA 2020 has no duplicates box in the other-methods column; those
duplicates must stay in that column, not be added to the databases column's box.
"""

import csv
import html
import io
import json
import re

import pytest
from django.urls import reverse

from review.models import Record, RecordStage
from review.models.screening import StageStatus
from review.prisma import DBR, OTHER, Column, PrismaCounts, prisma_counts
from review.prisma_export import other_slots, render
from review.services.imports import import_records
from review.services.sources import source_create

pytestmark = pytest.mark.django_db


def ris(*papers: tuple[str, str]) -> bytes:
    entries = [
        f"TY  - JOUR\nAU  - Dalakas, M. C.\nTI  - {title}\nT2  - Neurology\nPY  - 2001\nDO  - {doi}\nER  - \n"
        for title, doi in papers
    ]
    return "\n".join(entries).encode()


PAPERS = [
    (f"{a} {b} immunoglobulin in {c} myositis", f"10.1000/p{i}")
    for i, (a, b, c) in enumerate([
        ("Randomised", "trial of", "refractory"), ("Open", "study of", "juvenile"),
        ("Cohort", "analysis of", "necrotising"), ("Subcutaneous", "dosing of", "adult"),
        ("Retrospective", "review of", "overlap"), ("Pilot", "series of", "inclusion-body"),
    ])
]


@pytest.fixture
def issue_review(team, source):
    embase = source_create(review=team.review, actor=team.lead, name="Embase", kind="database")
    hand = source_create(review=team.review, actor=team.lead, name="Conference hand search", kind="other")
    import_records(review=team.review, source=source, filename="pubmed.ris", data=ris(*PAPERS[:3]),
                   actor=team.lead)
    # One paper found again in Embase: a duplicate in the databases column.
    import_records(review=team.review, source=embase, filename="embase.ris", data=ris(PAPERS[2], PAPERS[3]),
                   actor=team.lead)
    # The hand search lists two new papers, one of them twice: a duplicate within other methods.
    import_records(review=team.review, source=hand, filename="hand.ris", data=ris(PAPERS[4], PAPERS[5], PAPERS[5]),
                   actor=team.lead)
    return team.review


def _svg_lines(svg: bytes) -> str:
    return " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg.decode(), re.S))


def test_duplicates_within_other_methods_stay_in_that_column(issue_review):
    counts = prisma_counts(issue_review)
    dbr, other = counts.columns[DBR], counts.columns[OTHER]
    assert (dbr.identified_total, dbr.duplicates, dbr.awaiting_screening) == (5, 1, 4)
    assert (other.identified_total, other.duplicates, other.awaiting_screening) == (3, 1, 2)
    data = json.loads(render(counts, "json"))
    assert (data["duplicates"], data["other_duplicates"]) == (1, 1)
    rows = {row["data"]: row["n"] for row in csv.DictReader(io.StringIO(render(counts, "csv").decode()))}
    assert rows["duplicates"] == "1"
    identified = int(rows["database_results"]) + int(rows["register_results"])
    assert identified - int(rows["duplicates"]) == data["records_screened"] + data["records_awaiting_screening"]
    text = _svg_lines(render(counts, "svg"))
    assert "Duplicate records removed (n = 1)" in text and "Duplicate records removed (n = 2)" not in text


def test_an_other_method_source_is_not_drawn_as_organisations(issue_review):
    counts = prisma_counts(issue_review)
    data = json.loads(render(counts, "json"))
    assert data["identification"]["organisation_results"] == 0
    assert data["identification"]["other_results"] == 3
    text = _svg_lines(render(counts, "svg"))
    assert "Organisations (n = 0)" in text and "Other sources (n = 3)" in text


def test_the_table_puts_the_totals_under_the_databases_column(issue_review, client_for, team):
    page = client_for(team.rev1).get(reverse("review:prisma", args=[issue_review.slug])).content.decode()
    row = re.search(r"<tr><th scope=\"row\">Studies included in review</th>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells == ["0", ""]
    assert 'data-count="duplicates">1<' in page and 'data-count="other_duplicates">1<' in page


def _counts_with(other_sources):
    return PrismaCounts(review_title="t", databases={}, registers={}, other_sources=other_sources,
                        columns={DBR: Column(), OTHER: Column()}, studies_included=0, reports_included=0)


def test_other_sources_take_a_prisma2020_line_no_source_needs_under_their_own_label():
    slots = other_slots(_counts_with({"citation_searching": {"Reference lists": 4}, "other": {"Hand search": 2}}))
    assert slots == {"website_results": ("Other sources", 2), "organisation_results": ("Organisations", 0),
                     "citations_results": ("Citation searching", 4)}
    slots = other_slots(_counts_with({"website": {"Google": 1}, "other": {"Hand search": 2}}))
    assert slots["website_results"] == ("Websites", 1) and slots["organisation_results"] == ("Other sources", 2)


def test_other_sources_share_the_organisations_line_only_when_every_line_is_taken():
    slots = other_slots(_counts_with({"website": {"W": 1}, "organisation": {"O": 2}, "citation_searching": {"C": 3},
                                      "other": {"Hand search": 4}}))
    assert slots == {"website_results": ("Websites", 1), "organisation_results": ("Organisations and other sources", 6),
                     "citations_results": ("Citation searching", 3)}


def test_the_csv_labels_each_other_methods_line_with_the_kind_it_holds(issue_review):
    rows = {row["data"]: row for row in csv.DictReader(io.StringIO(render(prisma_counts(issue_review), "csv").decode()))}
    assert (rows["website_results"]["boxtext"], rows["website_results"]["n"]) == ("Other sources", "3")
    assert rows["website_results"]["description"] == "Records identified from: Other sources"
    assert (rows["organisation_results"]["boxtext"], rows["organisation_results"]["n"]) == ("Organisations", "0")


def test_records_left_to_automation_are_removed_before_screening(issue_review, client_for, team):
    from review.screening.retraining import ranking_retrain
    from review.screening.services import decision_record
    from review.screening.stop import screening_stop

    def votes(record, first, second):
        for reviewer, vote in ((team.rev1, first), (team.rev2, second)):
            decision_record(review=issue_review, record=record, stage="title_abstract", reviewer=reviewer, vote=vote)

    # Databases: one include and one exclude settled (so the queue is ranked), one conflict,
    # which a stop leaves to the arbiter, and one record nobody voted on; other methods: two
    # records nobody voted on. The lead's stop marks the three unvoted ones, not the two merged
    # duplicates.
    dbr_records = list(Record.objects.filter(review=issue_review, duplicate_of__isnull=True,
                                             source__kind="database").order_by("pk"))
    votes(dbr_records[0], "include", "include")
    votes(dbr_records[1], "exclude", "exclude")
    votes(dbr_records[2], "include", "exclude")
    ranking_retrain(review=issue_review)
    assert screening_stop(review=issue_review, actor=team.lead, screened_seen=None).records == 3
    assert RecordStage.objects.get(record=dbr_records[3], stage="title_abstract").status == StageStatus.AUTOMATION_EXCLUDED
    counts = prisma_counts(issue_review)
    dbr, other = counts.columns[DBR], counts.columns[OTHER]
    assert (dbr.automation, dbr.awaiting_screening, dbr.screened) == (1, 1, 2)
    assert (other.automation, other.awaiting_screening, other.screened) == (2, 0, 0)
    data = json.loads(render(counts, "json"))
    assert (data["excluded_automatic"], data["records_awaiting_screening"], data["other_excluded_automatic"]) == (1, 1, 2)
    rows = {row["data"]: row["n"] for row in csv.DictReader(io.StringIO(render(counts, "csv").decode()))}
    assert rows["excluded_automatic"] == "1"  # the PRISMA2020 CSV has this box in the databases column only
    text = _svg_lines(render(counts, "svg"))
    assert "Records marked as ineligible by automation tools (n = 1)" in text
    assert "Records marked as ineligible by automation tools (n = 2)" in text
    page = client_for(team.rev1).get(reverse("review:prisma", args=[issue_review.slug])).content.decode()
    assert 'data-count="automation">1<' in page and 'data-count="awaiting">1<' in page
