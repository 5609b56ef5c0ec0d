"""A lead archives a review: it leaves the current list, nothing of it is lost, and it comes back."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from review.models import AuditEvent, Review
from review.services.reviews import review_archive

pytestmark = pytest.mark.django_db


def test_archiving_moves_the_review_to_archived_and_audits_the_reason(team, client_for):
    client = client_for(team.lead)
    response = client.post(reverse("review:archive", args=[team.review.slug]),
                           {"archive": "1", "reason": "published in 2026"}, follow=True)
    assert response.status_code == 200
    assert response.context["reviews"] == [] and [r.slug for r in response.context["archived"]] == ["ivig"]
    event = AuditEvent.objects.get(action="review.archived")
    assert event.reason == "published in 2026" and event.actor_username == "lena_lead"
    page = client.get(reverse("review:detail", args=[team.review.slug])).content.decode()
    assert "This review is archived" in page and "bring it back in Settings" in page


def test_an_archived_review_keeps_everything_and_comes_back(team, source, client_for):
    review_archive(review=team.review, actor=team.lead, reason="done")
    assert Review.objects.get(pk=team.review.pk).sources.count() == 1
    client = client_for(team.lead)
    client.post(reverse("review:archive", args=[team.review.slug]), {"archive": "0", "reason": "update search"})
    assert Review.objects.get(pk=team.review.pk).archived_at is None
    assert AuditEvent.objects.filter(action="review.unarchived", reason="update search").exists()


def test_only_a_lead_archives_and_a_reason_is_needed(team, client_for):
    assert client_for(team.rev1).post(reverse("review:archive", args=[team.review.slug]),
                                      {"archive": "1", "reason": "x"}).status_code == 403
    with pytest.raises(ValidationError, match="Say why"):
        review_archive(review=team.review, actor=team.lead, reason="  ")
    with pytest.raises(ValidationError, match="Only a lead"):
        review_archive(review=team.review, actor=team.rev1, reason="x")
    review_archive(review=team.review, actor=team.lead, reason="x")
    with pytest.raises(ValidationError, match="already archived"):
        review_archive(review=team.review, actor=team.lead, reason="x")
