"""Undo racing a colleague's vote on the same record: one of the two orders, never a mix.

Real threads on a real database, as in test_concurrency.py (PostgreSQL, or SQLite with
SQLITE_TEST_PATH): the row lock makes either the undo land first and the colleague's vote
count alone, or the vote settle the record first and the undo be refused.
"""

import pytest
from django.core.exceptions import ValidationError

from review.models import RecordStage, ScreeningDecision
from review.models.screening import StageStatus
from review.screening.services import (
    WITHDRAW_IN_CONFLICT,
    WITHDRAW_SETTLED,
    decision_record,
    decision_withdraw,
)
from tests.concurrency import race, skip_on_memory_sqlite

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 8


@pytest.mark.parametrize("colleague_vote", ["include", "exclude"])
def test_undo_and_a_colleagues_vote_at_once_leave_a_consistent_record(team, make_records, colleague_vote):
    skip_on_memory_sqlite()
    records = make_records(ROUNDS)
    review = team.review
    for record in records:
        decision_record(review=review, record=record, stage="title_abstract", reviewer=team.rev1, vote="include")
    for record in records:
        errors = race([
            lambda r=record: decision_withdraw(review=review, record=r, stage="title_abstract", reviewer=team.rev1),
            lambda r=record: decision_record(review=review, record=r, stage="title_abstract", reviewer=team.rev2,
                                             vote=colleague_vote),
        ])
        row = RecordStage.objects.get(record=record, stage="title_abstract")
        votes = ScreeningDecision.objects.filter(record=record)
        assert row.decision_count == votes.count()
        if errors:
            assert [type(e) for e in errors] == [ValidationError]
            refusal = WITHDRAW_SETTLED if colleague_vote == "include" else WITHDRAW_IN_CONFLICT
            assert errors[0].messages == [refusal.format(votes_in="Both votes are in")]
            assert row.status != StageStatus.AWAITING and row.decision_count == 2
        else:
            assert (row.status, list(votes.values_list("reviewer", flat=True))) == (StageStatus.AWAITING, [team.rev2.pk])
