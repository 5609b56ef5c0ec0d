"""Personas and shared fixtures: the lead, two reviewers, an arbiter and an outsider."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "test-data"
PASSWORD = "correct-horse-battery-staple"


def _flush_in_maintenance():
    """Transactional tests end with Django's ``flush``, which the integrity triggers refuse
    (locked data and audit events cannot be deleted); the flush runs in maintenance."""
    from django.core.management.commands import flush

    plain = flush.Command.handle

    def handle(self, **options):
        from review.maintenance import maintenance

        with maintenance("test runner flush", using=options.get("database", "default")):
            return plain(self, **options)

    flush.Command.handle = handle


_flush_in_maintenance()


def _test_client_login_through_the_throttle():
    """django-axes needs the request to count an attempt against its address, and Django's
    test client ``login`` passes none; give it one from 127.0.0.1 so ``client.login`` is
    throttled like a browser's log-in instead of failing."""
    from django.test import Client, RequestFactory

    plain = Client.login

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/accounts/login/"))
        return plain(self, **credentials)

    Client.login = login


_test_client_login_through_the_throttle()


def shared_path(*parts: str) -> Path:
    """A file of ../shared/test-data, or a skip with a clear message where it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/test-data is not beside this clone ({path} is absent)")
    return path


@pytest.fixture
def make_user(django_user_model):
    def make(username: str):
        return django_user_model.objects.create_user(username=username, password=PASSWORD)

    return make


@pytest.fixture
def team(db, make_user):
    """A review with a lead, two reviewers, an arbiter, and an outsider who is in no review."""
    from review.services.reviews import member_add, review_create

    lead = make_user("lena_lead")
    rev1 = make_user("rui_reviewer")
    rev2 = make_user("rosa_reviewer")
    arbiter = make_user("ari_arbiter")
    outsider = make_user("otto_outsider")
    review = review_create(title="IVIg in myositis", slug="ivig", lead=lead)
    member_add(review=review, user=rev1, roles=["reviewer"], actor=lead)
    member_add(review=review, user=rev2, roles=["reviewer"], actor=lead)
    member_add(review=review, user=arbiter, roles=["arbiter"], actor=lead)
    return type("Team", (), dict(review=review, lead=lead, rev1=rev1, rev2=rev2, arbiter=arbiter, outsider=outsider))


@pytest.fixture
def source(team):
    from review.services.sources import source_create

    return source_create(review=team.review, actor=team.lead, name="PubMed", kind="database")


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login
