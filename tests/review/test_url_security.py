"""Every URL, present and future, is closed to anonymous users and to non-members.

The test walks the URL resolver, so a URL added later is covered without touching this file.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Reachable without logging in, on purpose.
PUBLIC = {
    "login", "logout",
    # Password reset by e-mail is for people who cannot log in (docs/integrity/accounts.md).
    "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete",
}
# Not scoped to one review: anonymous users go to log in, logged-in users are welcome.
UNSCOPED = {"review:list", "review:new", "password_change", "password_change_done", ""}

pytestmark = pytest.mark.django_db


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin has its own staff-only login, tested by Django itself
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, converters in _walk(entry.url_patterns, inner):
                yield name, {**entry.pattern.converters, **converters}
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", dict(entry.pattern.converters)


def _all_urls():
    return sorted({name: conv for name, conv in _walk(get_resolver().url_patterns)}.items())


def _kwargs(converters, slug):
    values = {}
    for key, converter in converters.items():
        kind = type(converter).__name__
        values[key] = slug if kind == "SlugConverter" or key == "slug" else ("1" if kind == "StringConverter" else 1)
    return values


def _request(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


URLS = _all_urls()


def test_the_walk_finds_the_review_pages():
    names = {name for name, _ in URLS}
    assert {"review:detail", "review:records", "review:import_new", "review:audit"} <= names


@pytest.mark.parametrize(("name", "converters"), URLS, ids=[name or "root" for name, _ in URLS])
def test_anonymous_user_is_sent_to_log_in(client, team, name, converters):
    if name in PUBLIC or not name:
        pytest.skip("public on purpose")
    url = reverse(name, kwargs=_kwargs(converters, team.review.slug))
    response = _request(client, url)
    assert response.status_code == 302, f"{name}: {response.status_code}"
    assert response["Location"].startswith(reverse("login")), f"{name} sends to {response['Location']}"


@pytest.mark.parametrize(("name", "converters"), URLS, ids=[name or "root" for name, _ in URLS])
def test_non_member_gets_404(client, team, name, converters):
    if name in PUBLIC or name in UNSCOPED:
        pytest.skip("not scoped to a review")
    client.force_login(team.outsider)
    url = reverse(name, kwargs=_kwargs(converters, team.review.slug))
    response = _request(client, url)
    assert response.status_code == 404, f"{name}: {response.status_code}"
