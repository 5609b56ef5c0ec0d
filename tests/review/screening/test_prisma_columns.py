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

from review.prisma import DBR, OTHER, prisma_counts
from review.prisma_export import render
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
