"""People never meet Django's bare or technical pages: 403, 404 and 500 come in the site's
layout, say what happened and lead back."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def test_a_missing_page_is_a_404_in_the_layout_without_the_url_patterns(team, client_for):
    response = client_for(team.rev1).get("/reviews/ivig/no-such-page/")
    body = _text(response)
    assert response.status_code == 404
    assert "Page not found" in body and 'class="brand"' in body and "Back to your reviews" in body
    assert "/reviews/ivig/no-such-page/" in body
    # The resolver's 404 carries the patterns it tried; none of them reaches the page.
    assert "URLconf" not in body and "<slug:slug>" not in body and "analysis/" not in body.split("Error 404")[0]


def test_a_missing_item_says_so_in_concords_own_words(team, client_for):
    response = client_for(team.rev1).get(reverse("review:record_detail", args=[team.review.slug, 999999]))
    assert response.status_code == 404
    assert "No Record matches the given query." in _text(response)


def test_a_refused_role_is_a_403_naming_the_role_and_where_to_change_it(team, client_for):
    response = client_for(team.rev1).get(reverse("review:settings", args=[team.review.slug]))
    body = _text(response)
    assert response.status_code == 403
    assert "You cannot open this page" in body and "Team &gt; Members" in body
    assert "lead" in body.split('class="errors"')[1]  # the permission's own sentence names the role
    assert "403 Forbidden" not in body


def test_the_back_link_goes_only_to_a_page_of_this_site(team, client_for):
    client = client_for(team.rev1)
    url = reverse("review:settings", args=[team.review.slug])
    own = client.get(url, HTTP_REFERER="http://testserver/reviews/")
    assert 'href="http://testserver/reviews/">Back to the previous page' in _text(own)
    foreign = client.get(url, HTTP_REFERER="https://evil.example/phish")
    assert "evil.example" not in _text(foreign)


def test_the_500_page_is_in_the_layout_and_needs_nothing_that_could_have_failed():
    response = server_error(RequestFactory().get("/reviews/"))
    body = _text(response)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body and 'class="brand"' in body
    assert "not half-written" in body


def test_signed_in_pages_are_never_stored_by_the_browser(team, client_for):
    response = client_for(team.rev1).get(reverse("review:screen", args=[team.review.slug, "title-abstract"]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_page_that_sets_its_own_cache_policy_keeps_it(team, client_for):
    response = client_for(team.rev1).get(reverse("login"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_favicon_is_served_and_linked(team, client_for):
    response = client_for(team.rev1).get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("concord/favicon.svg")
    page = client_for(team.rev1).get(reverse("review:list"))
    assert 'rel="icon"' in _text(page)


def test_a_failed_log_in_says_so_once(team, client):
    response = client.post(reverse("login"), {"username": "rui_reviewer", "password": "wrong"})
    assert response.status_code == 200
    assert _text(response).count("Please enter a correct username and password") == 1
