"""Counts kept between requests (review.screening.kept) never outlive the state they count."""

import re

import pytest
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse

from review.models import Conflict, RecordStage, ScreeningDecision
from review.models.screening import Stage, StageStatus, Vote
from review.screening import selectors
from review.screening.kept import kept, review_version
from review.screening.services import conflict_resolve, record_send_back

pytestmark = pytest.mark.django_db


def _progress(client, team) -> tuple[int, int]:
    html = client.get(reverse("review:screen", args=[team.review.slug, "title-abstract"])).content.decode()
    remaining = int(re.search(r'<span id="remaining">(\d+)</span>', html).group(1))
    done = int(re.search(r"(\d+) decided\.", html).group(1))
    return remaining, done


def _reviewers_by_join(review):
    """The include rates' counts as a plain join of every vote to its stage row."""
    settled = ~Q(record_stage__status=StageStatus.AWAITING)
    return (
        ScreeningDecision.objects.filter(review=review).values("reviewer_id", "stage")
        .annotate(votes=Count("id"), settled=Count("id", filter=settled),
                  includes=Count("id", filter=settled & Q(vote__in=[Vote.INCLUDE, Vote.MAYBE])))
        .order_by()
    )


def _fresh(review):
    """What the dashboard's kept aggregates must equal: computed again from the rows."""
    return {
        "counts": selectors._stage_counts(review),
        "reviewers": sorted(map(sorted, (r.items() for r in _reviewers_by_join(review)))),
        "pairs": {stage: sorted(selectors._pair_rows(review, stage)) for stage in Stage.values},
    }


def _shown(review):
    return {
        "counts": selectors.stage_counts(review),
        "reviewers": sorted(
            sorted((k, v) for k, v in r.items() if k in ("reviewer_id", "stage", "votes", "settled", "includes"))
            for r in selectors.reviewer_stats(review)
        ),
        "pairs": {stage: sorted(selectors._pair_rows(review, stage)) for stage in Stage.values},
    }


def test_screening_page_counts_follow_votes_and_a_send_back(client_for, team, records, vote):
    client = client_for(team.rev1)
    assert _progress(client, team) == (4, 0)
    assert _progress(client, team) == (4, 0)  # kept: the same state
    vote(records[0], team.rev1, "include")
    assert _progress(client, team) == (3, 1)
    vote(records[1], team.rev2, "exclude")  # a colleague's vote leaves this reviewer's queue as it was
    assert _progress(client, team) == (3, 1)
    vote(records[0], team.rev2, "exclude")  # settles record 0 into a conflict
    assert _progress(client, team) == (3, 1)
    record_send_back(record_stage=RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT),
                     actor=team.lead, reason="criteria clarified")
    assert _progress(client, team) == (4, 0)


def test_records_given_rows_without_an_event_join_the_kept_count(client_for, team, records, make_records):
    client = client_for(team.rev1)
    assert _progress(client, team) == (4, 0)
    make_records(3)  # written straight to the database: no audit event moves the chain
    assert _progress(client, team) == (7, 0)


def test_dashboard_aggregates_follow_settling_votes_conflicts_and_send_backs(team, records, vote):
    review = team.review
    assert _shown(review) == _fresh(review)
    vote(records[0], team.rev1, "include")
    assert _shown(review) == _fresh(review)
    vote(records[0], team.rev2, "include")  # settles: advanced
    vote(records[1], team.rev1, "include")
    vote(records[1], team.rev2, "exclude")  # a conflict
    assert _shown(review) == _fresh(review)
    assert selectors.stage_counts(review)[Stage.TITLE_ABSTRACT]["conflict"] == 1
    conflict_resolve(conflict=Conflict.objects.get(record=records[1]), arbiter=team.arbiter, outcome="exclude")
    assert _shown(review) == _fresh(review)
    assert selectors.stage_counts(review)[Stage.TITLE_ABSTRACT]["excluded"] == 1
    record_send_back(record_stage=RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT),
                     actor=team.lead, reason="criteria clarified")
    assert _shown(review) == _fresh(review)
    assert selectors.stage_counts(review)[Stage.TITLE_ABSTRACT]["advanced"] == 0


def test_a_value_is_kept_until_the_review_changes(team, records, vote):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert kept(team.review, "probe", compute) == kept(team.review, "probe", compute) == 1
    before = review_version(team.review)
    vote(records[0], team.rev1, "include")
    assert review_version(team.review) != before
    assert kept(team.review, "probe", compute) == 2


def test_nothing_is_kept_inside_a_transaction_of_our_own(team):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with transaction.atomic():
        # Uncommitted writes could be rolled back under the same chain head.
        assert kept(team.review, "probe", compute) == 1
        assert kept(team.review, "probe", compute) == 2


def test_dashboard_page_shows_a_conflict_as_it_opens_and_closes(client_for, team, records, vote):
    client = client_for(team.lead)
    url = reverse("review:dashboard", args=[team.review.slug])
    assert "0 open conflicts" in client.get(url).content.decode()
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    assert "1 open conflict " in client.get(url).content.decode()
    conflict_resolve(conflict=Conflict.objects.get(record=records[0]), arbiter=team.arbiter, outcome="include")
    assert "0 open conflicts" in client.get(url).content.decode()
