"""A record's own page says where it stands in screening, without showing a colleague's vote."""

import re

import pytest
from django.urls import reverse

from review.models.screening import Stage

pytestmark = pytest.mark.django_db
MARKER = "MARKER-7f3c-colleague-note"


def _screening_table(client, team, record) -> str:
    html = client.get(reverse("review:record_detail", args=[team.review.slug, record.pk])).content.decode()
    match = re.search(r'<table id="record-screening">.*?</table>', html, re.S)
    assert match, "the record page has no screening table"
    assert MARKER not in html
    return match.group(0)


def test_awaiting_record_shows_the_count_and_a_link_to_screen_it(client_for, team, records, vote):
    vote(records[0], team.rev1, "exclude", note=MARKER)
    table = _screening_table(client_for(team.rev2), team, records[0])
    assert "Awaiting decisions (1 of 2 votes in)" in table
    assert f"?record={records[0].pk}" in table
    assert "Exclude" not in table  # rui's vote stays hidden from rosa
    assert "Not reached" in table  # full text


def test_own_vote_and_the_outcome_once_decided(client_for, team, records, vote, at_full_text, reasons):
    vote(records[0], team.rev1, "exclude", note=MARKER)
    assert "Exclude" in _screening_table(client_for(team.rev1), team, records[0])
    vote(records[0], team.rev2, "exclude")
    table = _screening_table(client_for(team.lead), team, records[0])
    assert "Excluded" in table and "Screen it" not in table

    at_full_text(records[1])
    vote(records[1], team.rev1, "exclude", stage=Stage.FULL_TEXT, exclusion_reason=reasons[0])
    vote(records[1], team.rev2, "exclude", stage=Stage.FULL_TEXT, exclusion_reason=reasons[0])
    table = _screening_table(client_for(team.arbiter), team, records[1])
    assert "Advanced to full text" in table and f"Excluded: {reasons[0].label}" in table


def test_conflict_points_the_arbiter_to_the_conflicts(client_for, team, records, vote):
    vote(records[0], team.rev1, "include", note=MARKER)
    vote(records[0], team.rev2, "exclude")
    assert "conflicts</a>" in _screening_table(client_for(team.arbiter), team, records[0])
    table = _screening_table(client_for(team.rev2), team, records[0])
    assert "In conflict" in table and "conflicts</a>" not in table
