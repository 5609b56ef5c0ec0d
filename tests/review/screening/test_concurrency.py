"""Two reviewers voting on the same record at the same moment: both land, one outcome.

Real threads, real transactions. On PostgreSQL (DATABASE_URL) the row lock on RecordStage
does the work. SQLite serialises writers with BEGIN IMMEDIATE, which needs a database file:
the in-memory test database shares one cache between threads and fails fast with
"database table is locked" instead of waiting, so the test runs there only with
SQLITE_TEST_PATH set.
"""

import pytest

from review.models import AuditEvent, Conflict, RecordStage, ScreeningDecision
from review.models.screening import StageStatus
from review.screening.services import decision_record
from tests.concurrency import race, skip_on_memory_sqlite

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 8


@pytest.mark.parametrize(
    ("vote1", "vote2", "outcome"),
    [
        ("include", "include", StageStatus.ADVANCED),
        ("include", "exclude", StageStatus.CONFLICT),
    ],
)
def test_simultaneous_votes_both_land_and_the_outcome_is_computed_once(
    team, make_records, vote1, vote2, outcome
):
    skip_on_memory_sqlite()
    records = make_records(ROUNDS)
    review = team.review
    for record in records:
        errors = race(
            [
                lambda r=record: decision_record(
                    review=review, record=r, stage="title_abstract", reviewer=team.rev1, vote=vote1
                ),
                lambda r=record: decision_record(
                    review=review, record=r, stage="title_abstract", reviewer=team.rev2, vote=vote2
                ),
            ]
        )
        assert errors == []
    for record in records:
        row = RecordStage.objects.get(record=record, stage="title_abstract")
        assert (row.status, row.decision_count) == (outcome, 2)
        assert ScreeningDecision.objects.filter(record=record).count() == 2
    outcome_events = AuditEvent.objects.filter(action__in=["screening.outcome", "conflict.opened"])
    assert outcome_events.count() == ROUNDS
    assert Conflict.objects.count() == (ROUNDS if outcome == StageStatus.CONFLICT else 0)
    assert RecordStage.objects.filter(stage="full_text").count() == (
        ROUNDS if outcome == StageStatus.ADVANCED else 0
    )
