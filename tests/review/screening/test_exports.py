"""Exports: included records (RIS, CSV) with their decisions, every vote (CSV), no formulas."""

import csv
import io

import pytest
from django.urls import reverse

from concord.spreadsheets import safe_cell

pytestmark = pytest.mark.django_db
FT = "full_text"


@pytest.fixture
def included(team, make_records, vote, at_full_text):
    record = make_records(1, titles=['=HYPERLINK("http://evil.example","click")'])[0]
    record.authors = ["+Smith J", "@Doe A"]
    record.save()
    at_full_text(record)
    vote(record, team.rev1, "include", stage=FT, note="-1 dose arm")
    vote(record, team.rev2, "include", stage=FT, note="ok")
    return record


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+33 1", "'+33 1"), ("-2", "-2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("plain", "plain"), (None, ""), (12, "12"),
])
def test_cells_a_spreadsheet_would_run_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_included_csv_carries_decisions_and_no_formula(client_for, team, included):
    response = client_for(team.lead).get(reverse("review:export_included", args=[team.review.slug, "csv"]))
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["title"].startswith("'=HYPERLINK") and row["authors"].startswith("'+Smith")
    assert row["full_text_votes"] == "rosa_reviewer: include; rui_reviewer: include"
    assert "rui_reviewer: -1 dose arm" in row["notes"]
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@"))


def test_included_ris_lists_the_record(client_for, team, included):
    body = client_for(team.lead).get(reverse("review:export_included", args=[team.review.slug, "ris"])).content.decode()
    assert body.startswith("TY  - JOUR\n") and "AU  - +Smith J\n" in body and body.rstrip().endswith("ER  -")


def test_votes_csv_has_every_vote(client_for, team, included):
    body = client_for(team.lead).get(reverse("review:export_votes", args=[team.review.slug])).content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 4  # two at title/abstract, two at full text
    assert {r["stage"] for r in rows} == {"title_abstract", "full_text"}
    assert any(r["note"] == "'-1 dose arm" for r in rows)


def test_exports_need_the_lead(client_for, team, included):
    for url in (reverse("review:export_votes", args=[team.review.slug]),
                reverse("review:export_included", args=[team.review.slug, "csv"])):
        assert client_for(team.rev1).get(url).status_code == 403
        assert client_for(team.arbiter).get(url).status_code == 403
