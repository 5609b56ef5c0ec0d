"""Writers racing on one review's chain queue on its head row: the chain never forks.

Real threads on real connections; PostgreSQL's row lock does the work (SQLite's IMMEDIATE
transactions serialise all writers, and need a database file for threads to wait).
"""

import pytest
from django.db import transaction

from review.audit_chain import audit_chain_verify
from review.models import AuditChainHead, AuditEvent, Review
from review.services.audit import audit_many, audit_record
from tests.concurrency import race, skip_on_memory_sqlite

pytestmark = pytest.mark.django_db(transaction=True)
PER_WRITER = 25


def _writer(review_id, name):
    def write():
        review = Review.objects.get(pk=review_id)
        for i in range(PER_WRITER):
            with transaction.atomic():
                audit_record(action="race.single", review=review, new={"writer": name, "i": i})
                audit_many([dict(action="race.batch", review=review, new={"writer": name, "i": i, "j": j})
                            for j in range(3)])
    return write


def test_concurrent_appends_to_one_review_never_fork_its_chain(team):
    skip_on_memory_sqlite()
    before = AuditEvent.objects.filter(review=team.review).count()
    errors = race([_writer(team.review.pk, "a"), _writer(team.review.pk, "b")])
    assert errors == []
    events = list(AuditEvent.objects.filter(review=team.review).order_by("id"))
    assert len(events) == before + 2 * PER_WRITER * 4
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len({e.prev_hash for e in events}) == len(events)
    assert AuditChainHead.objects.get(chain=team.review.pk).count == len(events)
    assert audit_chain_verify(team.review).intact


def test_the_first_appends_of_a_new_chain_race_safely(team):
    skip_on_memory_sqlite()
    errors = race([lambda n=n: audit_record(action="account.login_failed", new={"n": n}) for n in range(4)])
    assert errors == []
    assert AuditChainHead.objects.get(chain=AuditChainHead.GLOBAL).count == AuditEvent.objects.filter(
        review=None).count()
    verdict = audit_chain_verify(None)
    assert verdict.intact and verdict.count >= 4
