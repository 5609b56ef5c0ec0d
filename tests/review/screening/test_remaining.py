"""The "records left" count equals the length of the reviewer's queue, whatever the mix."""

import pytest

from review.models.screening import Stage
from review.screening import selectors

pytestmark = pytest.mark.django_db
TA = Stage.TITLE_ABSTRACT


def _check(team, *users):
    for user in users:
        expected = selectors.open_rows(team.review, user, TA).count()
        assert selectors.remaining(team.review, user, TA) == expected, user.username


def test_remaining_follows_votes_merges_and_a_third_reviewer(team, make_records, vote, make_user):
    from review.screening.services import stages_sync
    from review.services.duplicates import record_merge
    from review.services.reviews import member_add

    records = make_records(8)
    stages_sync(review=team.review)
    _check(team, team.rev1, team.rev2)
    vote(records[0], team.rev1, "include")  # one vote in: gone from rui's queue only
    vote(records[1], team.rev1, "exclude")
    vote(records[1], team.rev2, "exclude")  # settled: gone from both
    vote(records[2], team.rev2, "maybe")
    _check(team, team.rev1, team.rev2)
    record_merge(record=records[3], into=records[4], actor=team.lead, reason="same paper")
    record_merge(record=records[0], into=records[5], actor=team.lead, reason="same paper")  # merged after a vote
    _check(team, team.rev1, team.rev2)

    third = make_user("tess_third")
    member_add(review=team.review, user=third, roles=["reviewer"], actor=team.lead)
    team.review.ta_reviewers_per_record = 3
    team.review.save(update_fields=["ta_reviewers_per_record"])
    vote(records[6], team.rev1, "include")
    vote(records[6], team.rev2, "include")  # two of three: still open for tess
    _check(team, team.rev1, team.rev2, third)
    open_ids = set(selectors.open_rows(team.review, third, TA).values_list("record_id", flat=True))
    assert open_ids == {records[i].pk for i in (2, 4, 5, 6, 7)}, [r.pk for r in records]
