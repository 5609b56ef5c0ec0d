"""A new review's address is made from its title when the lead leaves it empty."""

import pytest
from django.urls import reverse

from review.models import Review

pytestmark = pytest.mark.django_db


def test_an_empty_address_is_made_from_the_title_and_kept_unique(team, client_for):
    client = client_for(team.lead)
    for _ in range(2):
        response = client.post(reverse("review:new"), {"title": "Zinc for the common cold: a review", "slug": ""})
        assert response.status_code == 302
    assert set(Review.objects.filter(title__startswith="Zinc").values_list("slug", flat=True)) == {
        "zinc-for-the-common-cold-a-review", "zinc-for-the-common-cold-a-review-2"}


def test_a_typed_address_is_kept(team, client_for):
    client_for(team.lead).post(reverse("review:new"), {"title": "Zinc", "slug": "zinc-colds"})
    assert Review.objects.filter(slug="zinc-colds").exists()


def test_the_address_field_says_it_follows_the_title(team, client_for):
    page = client_for(team.lead).get(reverse("review:new")).content.decode()
    assert 'data-slug-from="id_title"' in page and "filled from the title" in page
