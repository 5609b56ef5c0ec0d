"""Screening that fits the hand: maybe only where the lead allows it, the review's labels,
the criteria beside the record, progress, and a way back to one's last vote."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from review.models import Review
from review.screening.services import MAYBE_NOT_ALLOWED

pytestmark = pytest.mark.django_db


def _page(client, team, **query):
    return client.get(reverse("review:screen", args=[team.review.slug, "title-abstract"]), query)


def test_maybe_is_offered_only_where_the_lead_allows_it(client_for, team, records, vote):
    client = client_for(team.rev1)
    assert b'value="maybe"' in _page(client, team).content
    Review.objects.filter(pk=team.review.pk).update(allow_maybe=False)
    team.review.refresh_from_db()
    page = _page(client, team).content.decode()
    assert 'value="maybe"' not in page and "<kbd>M</kbd>" not in page
    with pytest.raises(ValidationError, match="turned maybe off"):
        vote(records[0], team.rev1, "maybe")
    assert MAYBE_NOT_ALLOWED.startswith("The lead")


def test_the_reviews_labels_are_offered_with_autocomplete(client_for, team, records):
    Review.objects.filter(pk=team.review.pk).update(screening_labels="paediatric\nadults only\n")
    page = _page(client_for(team.rev1), team).content.decode()
    assert 'list="review-labels"' in page
    assert '<option value="paediatric">' in page and '<option value="adults only">' in page


def test_the_criteria_sit_beside_the_record_and_progress_counts_own_decisions(client_for, team, records, vote):
    Review.objects.filter(pk=team.review.pk).update(population="Adults with myositis")
    vote(records[0], team.rev1, "include")
    response = _page(client_for(team.rev1), team)
    page = response.content.decode()
    assert "Eligibility criteria" in page and "Adults with myositis" in page
    assert response.context["done"] == 1
    assert 'id="screen-progress" max="4" value="1"' in page


def test_the_last_vote_can_be_changed_from_the_next_record(client_for, team, records, vote):
    vote(records[1], team.rev1, "exclude")
    page = _page(client_for(team.rev1), team).content.decode()
    assert f"?record={records[1].pk}&amp;order=" in page and "change your last vote (exclude)" in page
    # A colleague's votes are never offered as "previous".
    assert "Previous" not in _page(client_for(team.rev2), team).content.decode()
