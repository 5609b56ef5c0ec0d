"""Undo: a reviewer takes back their own vote while the record still waits for votes."""

import pytest
from django.core.exceptions import ValidationError

from review.audit_chain import audit_chain_verify
from review.audit_words import action_label, change_lines
from review.blinding import Blinding
from review.models import (
    AuditEvent,
    Conflict,
    RankingRun,
    RecordStage,
    RelevanceScore,
    ScreeningDecision,
)
from review.models.screening import Stage, StageStatus
from review.screening import selectors
from review.screening import services as svc
from review.screening.retraining import own_pending_labels, ranking_retrain, training_labels
from review.screening.stop import screening_stop

pytestmark = pytest.mark.django_db
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@pytest.fixture
def withdraw(team):
    def take_back(record, reviewer, *, stage=TA, **kwargs):
        return svc.decision_withdraw(review=team.review, record=record, stage=stage, reviewer=reviewer, **kwargs)

    return take_back


@pytest.fixture
def three_per_record(team):
    team.review.ta_reviewers_per_record = 3
    team.review.save()


def _row(record, stage=TA):
    return RecordStage.objects.get(record=record, stage=stage)


def _refused(message, func, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    assert info.value.messages == [message]


def test_taking_back_a_vote_removes_it_and_the_record_awaits_it_again(team, records, vote, withdraw):
    cast = vote(records[0], team.rev1, "exclude", note="adults only", labels=["age"])
    before = _row(records[0])
    taken = withdraw(records[0], team.rev1, version=cast.version)
    assert taken.vote == "exclude"
    assert not ScreeningDecision.objects.filter(record=records[0], reviewer=team.rev1).exists()
    row = _row(records[0])
    assert (row.status, row.decision_count, row.version) == (StageStatus.AWAITING, 0, before.version + 1)


def test_the_audit_log_keeps_the_vote_taken_back_and_says_so_in_words(team, records, vote, withdraw):
    cast = vote(records[0], team.rev1, "exclude", note="adults only", labels=["age"])
    withdraw(records[0], team.rev1, version=cast.version)
    event = AuditEvent.objects.get(action="screening.vote_withdrawn")
    assert (event.actor, event.review, event.object_type, event.object_id) == (
        team.rev1, team.review, "review.screeningdecision", str(cast.pk))
    assert event.old_value == {"record": records[0].pk, "stage": TA, "reviewer": "rui_reviewer", "vote": "exclude",
                               "note": "adults only", "labels": ["age"], "exclusion_reason": None}
    assert event.new_value == {"record": records[0].pk, "stage": TA, "reviewer": "rui_reviewer"}
    assert action_label(event.action) == "Screening: vote withdrawn"
    # Sorted: PostgreSQL's jsonb keeps an event's keys in its own order, SQLite in the order written.
    assert sorted(change_lines(event.old_value, event.new_value)) == sorted([
        "Vote: Exclude → removed", "Note: adults only → removed", "Labels: age → removed"])
    # The vote's own events stay as they were: the log only grows, and its chain holds.
    assert AuditEvent.objects.filter(action="screening.vote_cast", object_id=str(cast.pk)).count() == 1
    assert audit_chain_verify(team.review).intact


def test_a_colleagues_vote_on_the_record_is_untouched(team, records, vote, withdraw, three_per_record):
    theirs = vote(records[0], team.rev2, "include", note="RCT")
    vote(records[0], team.rev1, "exclude")
    withdraw(records[0], team.rev1)
    kept = ScreeningDecision.objects.get(record=records[0], reviewer=team.rev2)
    assert (kept.pk, kept.vote, kept.note, kept.version, kept.updated_at) == (
        theirs.pk, "include", "RCT", theirs.version, theirs.updated_at)
    assert _row(records[0]).decision_count == 1


def test_a_vote_cast_again_after_undo_counts_towards_the_outcome(team, records, vote, withdraw):
    vote(records[0], team.rev1, "exclude")
    withdraw(records[0], team.rev1)
    again = vote(records[0], team.rev1, "include", version=0)
    assert again.version == 1 and _row(records[0]).decision_count == 1
    vote(records[0], team.rev2, "include")
    assert _row(records[0]).status == StageStatus.ADVANCED


def test_undo_is_refused_once_both_votes_are_in(team, records, vote, withdraw):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")
    message = ("Both votes are in, so this record has settled: your vote can no longer be taken back. If it must"
               " change, ask the lead to send the record back to its reviewers.")
    assert svc.WITHDRAW_SETTLED.format(votes_in="Both votes are in") == message
    _refused(message, withdraw, records[0], team.rev1)
    assert ScreeningDecision.objects.filter(record=records[0]).count() == 2
    assert _row(records[0]).decision_count == 2


def test_undo_is_refused_while_the_votes_are_in_conflict(team, records, vote, withdraw):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    _refused(svc.WITHDRAW_IN_CONFLICT.format(votes_in="Both votes are in"), withdraw, records[0], team.rev2)


def test_undo_is_refused_after_the_arbiter_settles(team, records, vote, withdraw):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    svc.conflict_resolve(conflict=Conflict.objects.get(record=records[0]), arbiter=team.arbiter, outcome="exclude")
    _refused(svc.WITHDRAW_RESOLVED, withdraw, records[0], team.rev1)


def test_a_record_sent_back_after_arbitration_and_then_agreed_says_the_votes_settled_it(team, records, vote,
                                                                                       withdraw):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    svc.conflict_resolve(conflict=Conflict.objects.get(record=records[0]), arbiter=team.arbiter, outcome="exclude")
    svc.record_send_back(record_stage=_row(records[0]), actor=team.lead, reason="criteria changed")
    vote(records[0], team.rev1, "exclude")
    vote(records[0], team.rev2, "exclude")
    _refused(svc.WITHDRAW_SETTLED.format(votes_in="Both votes are in"), withdraw, records[0], team.rev1)


def test_with_three_reviewers_per_record_the_message_counts_three(team, records, vote, withdraw, make_user,
                                                                   three_per_record):
    from review.services.reviews import member_add

    rev3 = make_user("remy_reviewer")
    member_add(review=team.review, user=rev3, roles=["reviewer"], actor=team.lead)
    for reviewer in (team.rev1, team.rev2, rev3):
        vote(records[0], reviewer, "exclude")
    _refused(svc.WITHDRAW_SETTLED.format(votes_in="All 3 votes are in"), withdraw, records[0], rev3)


def test_undo_is_refused_once_the_lead_stopped_screening(team, make_records, vote, withdraw):
    records = make_records(6)
    for record, outcome in ((records[0], "include"), (records[1], "exclude")):
        vote(record, team.rev1, outcome)
        vote(record, team.rev2, outcome)
    ranking_retrain(review=team.review)
    vote(records[2], team.rev1, "include")
    screening_stop(review=team.review, actor=team.lead, screened_seen=None)
    _refused(svc.SCREENING_STOPPED, withdraw, records[2], team.rev1)
    assert ScreeningDecision.objects.filter(record=records[2], reviewer=team.rev1).exists()


def test_undo_from_a_stale_page_is_refused(team, records, vote, withdraw):
    first = vote(records[0], team.rev1, "exclude")
    vote(records[0], team.rev1, "include", version=first.version)  # changed in another tab
    version = _row(records[0]).version
    _refused(svc.STALE_VOTE, withdraw, records[0], team.rev1, version=first.version)
    assert ScreeningDecision.objects.get(record=records[0], reviewer=team.rev1).vote == "include"
    assert _row(records[0]).version == version
    assert not AuditEvent.objects.filter(action="screening.vote_withdrawn").exists()


def test_undo_twice_is_refused_the_second_time(team, records, vote, withdraw):
    cast = vote(records[0], team.rev1, "exclude")
    withdraw(records[0], team.rev1, version=cast.version)
    _refused(svc.NOTHING_TO_WITHDRAW, withdraw, records[0], team.rev1, version=cast.version)
    assert _row(records[0]).decision_count == 0


def test_a_reviewer_without_a_vote_learns_nothing_of_the_record_from_a_refusal(team, records, vote, withdraw,
                                                                               make_user):
    from review.services.reviews import member_add

    rev3 = make_user("remy_reviewer")
    member_add(review=team.review, user=rev3, roles=["reviewer"], actor=team.lead)
    _refused(svc.NOTHING_TO_WITHDRAW, withdraw, records[0], rev3)  # awaiting, no vote at all
    vote(records[1], team.rev1, "include")
    vote(records[1], team.rev2, "exclude")
    _refused(svc.NOTHING_TO_WITHDRAW, withdraw, records[1], rev3)  # in conflict: the same words
    _refused(svc.NOT_A_REVIEWER, withdraw, records[1], team.arbiter)


def test_full_text_vote_is_taken_back_with_its_reason_in_the_log(team, records, vote, withdraw, at_full_text,
                                                                 reasons):
    at_full_text(records[0])
    vote(records[0], team.rev1, "exclude", stage=FT, exclusion_reason=reasons[0])
    withdraw(records[0], team.rev1, stage=FT)
    row = _row(records[0], FT)
    assert (row.status, row.decision_count) == (StageStatus.AWAITING, 0)
    assert AuditEvent.objects.get(action="screening.vote_withdrawn").old_value["exclusion_reason"] == reasons[0].label
    # The title/abstract votes that advanced it stay.
    assert ScreeningDecision.objects.filter(record=records[0], stage=TA).count() == 2


@pytest.mark.parametrize("order", ["random", "year", "title", "relevant"])
def test_the_record_taken_back_is_the_next_one_its_queue_serves(team, make_records, vote, withdraw, order):
    records = make_records(8)
    svc.stages_sync(review=team.review)
    cursor = None
    served = []
    for _ in range(3):
        record = selectors.next_record(team.review, team.rev1, TA, order=order, cursor=cursor)
        served.append(record)
        cursor = record.queue_cursor
        vote(record, team.rev1, "exclude")
    left = selectors.remaining(team.review, team.rev1, TA)
    withdraw(served[1], team.rev1)
    assert selectors.remaining(team.review, team.rev1, TA) == left + 1
    at = selectors.cursor_at(team.review, team.rev1, TA, _row(served[1]), order=order)
    again = selectors.next_record(team.review, team.rev1, TA, order=order, cursor=at)
    assert again.pk == served[1].pk and again.queue_cursor == at
    vote(again, team.rev1, "include")
    # and the reviewer goes on where the queue was before the undo
    following = selectors.next_record(team.review, team.rev1, TA, order=order, cursor=again.queue_cursor)
    assert following.pk not in {r.pk for r in served} and following.pk in {r.pk for r in records}


def test_a_vote_taken_back_no_longer_teaches_the_ranking(team, make_records, vote, withdraw):
    records = make_records(10)
    for record, outcome in ((records[0], "include"), (records[1], "exclude")):
        vote(record, team.rev1, outcome)
        vote(record, team.rev2, outcome)
    vote(records[2], team.rev1, "exclude")
    row = _row(records[2])
    assert own_pending_labels(team.review, team.rev1) == {row.pk: 0}
    ranking_retrain(review=team.review)
    run = RankingRun.objects.get(reviewer=team.rev1)
    assert run.own_votes == 1 and not RelevanceScore.objects.filter(run=run, record_stage=row).exists()
    withdraw(records[2], team.rev1)
    assert own_pending_labels(team.review, team.rev1) == {}
    assert row.pk not in training_labels(team.review, team.rev1)
    # Until the next retraining the record is served from the run's unscored part; after it,
    # the run learnt without the vote and ranks the record among the others.
    assert selectors.cursor_at(team.review, team.rev1, TA, row, order="relevant")[1] == 1
    ranking_retrain(review=team.review)
    run = RankingRun.objects.filter(reviewer=team.rev1).latest("id")
    assert (run.own_votes, run.training_size) == (0, 2)
    assert RelevanceScore.objects.filter(run=run, record_stage=row).exists()
    assert selectors.cursor_at(team.review, team.rev1, TA, row, order="relevant")[1] == 0


def test_after_undo_a_colleagues_vote_is_hidden_again_in_the_audit_log(team, records, vote, withdraw,
                                                                       three_per_record):
    vote(records[0], team.rev2, "include", note="RCT")
    vote(records[0], team.rev1, "exclude")
    rev1 = team.review.memberships.get(user=team.rev1)
    colleague = AuditEvent.objects.filter(action="screening.vote_cast", actor=team.rev2)
    assert Blinding(rev1).show_all(colleague)[0].new_value["note"] == "RCT"
    withdraw(records[0], team.rev1)
    assert Blinding(rev1).show_all(colleague)[0].new_value is None
    # A colleague whose own vote is in may see what was taken back; one who owes a vote sees only that it was.
    rev2 = team.review.memberships.get(user=team.rev2)
    shown = Blinding(rev2).show_all(AuditEvent.objects.filter(action="screening.vote_withdrawn"))[0]
    assert shown.old_value["vote"] == "exclude"
    vote(records[1], team.rev1, "exclude")
    withdraw(records[1], team.rev1)
    hidden = Blinding(rev2).show_all(AuditEvent.objects.filter(action="screening.vote_withdrawn",
                                                                old_value__record=records[1].pk))[0]
    assert hidden.old_value is None and hidden.hidden
