"""The "most likely relevant first" queue: what it learns from, what it serves, when it retrains."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from review.models import AuditEvent, RankingRun, RecordStage, RelevanceScore
from review.models.screening import Stage, StageStatus
from review.screening import ranked_queue as screening_ranked
from review.screening import ranking, selectors
from review.screening.retraining import (
    NOT_A_LEAD,
    NOTHING_TO_LEARN,
    ranking_request,
    ranking_retrain,
    training_labels,
)
from review.screening.services import decision_record, stages_sync

pytestmark = pytest.mark.django_db
TA = Stage.TITLE_ABSTRACT

RELEVANT = "Zebrafish larvae {i}: immunoglobulin infusion and zebrafish muscle regeneration"
IRRELEVANT = "Survey {i} of hospital parking fees and staff commuting habits"


@pytest.fixture
def planted(make_records):
    """Forty records: the even ones share a planted vocabulary, the odd ones another."""
    titles = [(RELEVANT if i % 2 == 0 else IRRELEVANT).format(i=i) for i in range(40)]
    return make_records(40, titles=titles)


@pytest.fixture
def settle(team, vote):
    def both(record, outcome):
        vote(record, team.rev1, outcome)
        vote(record, team.rev2, outcome)

    return both


class _Undo(Exception):
    pass


def _walk(review, user):
    """The reviewer's whole ranked queue in the order it is served, as they screen it (each
    served record gets their vote); every vote is rolled back afterwards."""
    stages_sync(review=review)  # what opening the screening page does first
    served, cursor = [], None
    try:
        with transaction.atomic():
            while (record := selectors.next_record(review, user, TA, order="relevant", cursor=cursor)) is not None:
                assert record.pk not in served, "served twice"
                served.append(record.pk)
                cursor = record.queue_cursor
                decision_record(review=review, record=record, stage=TA, reviewer=user, vote="maybe")
            raise _Undo
    except _Undo:
        return served


def test_a_planted_vocabulary_ranks_its_records_first(team, planted, settle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        settle(planted[0], "include")
        settle(planted[1], "exclude")
    run = RankingRun.objects.get(reviewer=team.rev1)
    assert run.ready and run.training_size == 2 and (run.includes, run.excludes, run.own_votes) == (1, 1, 0)
    order = _walk(team.review, team.rev1)
    assert len(order) == 38
    relevant = {r.pk for r in planted[2::2]}
    assert set(order[:19]) == relevant


def test_the_order_is_random_until_both_outcomes_are_settled(team, planted, settle):
    assert screening_ranked.default_order(team.review, TA) == "random"
    settle(planted[0], "include")
    assert screening_ranked.default_order(team.review, TA) == "random"
    settle(planted[1], "exclude")
    assert screening_ranked.default_order(team.review, TA) == "relevant"
    assert screening_ranked.default_order(team.review, Stage.FULL_TEXT) == "random"


def test_without_a_ranking_yet_the_relevant_order_serves_every_record_in_random_order(team, planted):
    order = _walk(team.review, team.rev1)
    assert sorted(order) == sorted(r.pk for r in planted)


def test_records_without_a_score_come_after_the_scored_ones(team, planted, settle, make_records):
    settle(planted[0], "include")
    settle(planted[1], "exclude")
    ranking_retrain(review=team.review)
    late = make_records(3, titles=[RELEVANT.format(i=100 + i) for i in range(3)])
    order = _walk(team.review, team.rev1)
    assert len(order) == 41
    assert set(order[-3:]) == {r.pk for r in late}
    # Deterministic: the same walk twice.
    assert _walk(team.review, team.rev1) == order


def test_training_uses_settled_outcomes_and_only_the_reviewers_own_pending_votes(team, planted, settle, vote):
    settle(planted[0], "include")
    settle(planted[1], "exclude")
    vote(planted[2], team.rev1, "exclude")
    vote(planted[3], team.rev2, "include")
    rows = dict(RecordStage.objects.filter(stage=TA).values_list("record_id", "pk"))
    mine = training_labels(team.review, team.rev1)
    assert mine == {rows[planted[0].pk]: 1, rows[planted[1].pk]: 0, rows[planted[2].pk]: 0}
    assert training_labels(team.review, team.rev2) == {
        rows[planted[0].pk]: 1, rows[planted[1].pk]: 0, rows[planted[3].pk]: 1,
    }


def test_reviewer_b_queue_is_the_same_whether_or_not_a_voted_on_unsettled_records(team, planted, settle, vote):
    """The blinding property (DESIGN.md invariant 1): a colleague's pending vote never moves the order."""
    review, a, b = team.review, team.rev1, team.rev2
    for record in planted[:4]:
        settle(record, "include" if planted.index(record) % 2 == 0 else "exclude")
    ranking_retrain(review=review)
    before_b = _walk(review, b)
    # A votes against the planted vocabulary on records B has not voted on: none settles.
    for record in planted[4:16]:
        vote(record, a, "exclude" if planted.index(record) % 2 == 0 else "include")
    assert not RecordStage.objects.filter(record__in=planted[4:16], stage=TA).exclude(
        status=StageStatus.AWAITING).exists()
    ranking_retrain(review=review)
    assert _walk(review, b) == before_b
    # The test can fail: learning from A's pending votes would have reordered B's queue.
    ids, texts = zip(*((row.pk, ranking.record_text(row.record.title, row.record.abstract))
                       for row in RecordStage.objects.filter(review=review, stage=TA).order_by("pk")
                       .select_related("record")), strict=True)
    position = {pk: i for i, pk in enumerate(ids)}
    leaked = {position[pk]: y for pk, y in training_labels(review, a).items()}
    scores = ranking.fit_scores(list(texts), leaked)
    run_b = screening_ranked.current_run(review, b)
    candidates = [position[pk] for pk in RelevanceScore.objects.filter(run=run_b).order_by("rank")
                  .values_list("record_stage_id", flat=True)]
    leaked_order = [ids[i] for i in ranking.rank_order(scores, candidates)]
    served_rows = dict(RecordStage.objects.filter(stage=TA).values_list("record_id", "pk"))
    assert leaked_order != [served_rows[pk] for pk in before_b]


def test_a_run_records_what_it_learnt_from(team, planted, settle, vote):
    settle(planted[0], "include")
    settle(planted[1], "exclude")
    vote(planted[2], team.rev1, "include")
    ranking_retrain(review=team.review, reason="requested")
    run = RankingRun.objects.get(reviewer=team.rev1)
    assert run.settings == ranking.RankerSettings().as_dict()
    assert (run.training_size, run.includes, run.excludes, run.own_votes, run.settled_count) == (3, 1, 1, 1, 2)
    assert run.scored == 37 and run.duration_seconds > 0 and run.reason == "requested"
    assert RankingRun.objects.get(reviewer=team.rev2).training_size == 2
    event = AuditEvent.objects.get(action="ranking.retrained")
    assert event.new_value["settled"] == 2 and event.new_value["reviewers"] == 2


def test_retraining_follows_every_ten_newly_settled_records(team, planted, settle, django_capture_on_commit_callbacks):
    def settled_in_its_own_transaction(record, outcome):
        with django_capture_on_commit_callbacks(execute=True):
            settle(record, outcome)

    settled_in_its_own_transaction(planted[0], "include")
    settled_in_its_own_transaction(planted[1], "exclude")
    assert RankingRun.objects.filter(reviewer=team.rev1).count() == 1
    for i, record in enumerate(planted[2:11]):
        settled_in_its_own_transaction(record, "include" if i % 2 else "exclude")
    assert RankingRun.objects.filter(reviewer=team.rev1).count() == 1
    settled_in_its_own_transaction(planted[11], "exclude")
    runs = list(RankingRun.objects.filter(reviewer=team.rev1).values_list("settled_count", flat=True))
    assert runs == [2, 12]
    # Only the newest run's scores are kept.
    assert set(RelevanceScore.objects.values_list("run__settled_count", flat=True)) == {12}


def test_update_ranking_now_is_the_leads_and_audited(team, planted, settle, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as refused:
        ranking_request(review=team.review, actor=team.lead)
    assert refused.value.messages == [NOTHING_TO_LEARN]
    settle(planted[0], "include")
    settle(planted[1], "exclude")
    with pytest.raises(ValidationError) as refused:
        ranking_request(review=team.review, actor=team.rev1)
    assert refused.value.messages == [NOT_A_LEAD]
    with django_capture_on_commit_callbacks(execute=True):
        ranking_request(review=team.review, actor=team.lead)
    assert AuditEvent.objects.filter(action="ranking.requested", actor=team.lead).count() == 1
    assert set(RankingRun.objects.values_list("reason", flat=True)) == {"requested"}


def test_a_retraining_after_a_text_changes_ranks_by_the_new_text(team, planted, settle):
    """The worker keeps the TF-IDF features between retrainings; an edited record must not be
    ranked by its old words."""
    settle(planted[0], "include")
    settle(planted[1], "exclude")
    ranking_retrain(review=team.review)
    moved = planted[3]  # irrelevant words, so ranked low
    moved.title = RELEVANT.format(i=3)
    moved.save(update_fields=["title"])
    run = ranking_retrain(review=team.review)[0]
    ranked = list(RelevanceScore.objects.filter(run=run).order_by("rank").values_list("record_stage__record", flat=True))
    assert ranked.index(moved.pk) < 19
    # And the kept features give exactly the scores of a model fitted from scratch.
    rows = RecordStage.objects.filter(review=team.review, stage=TA).order_by("pk")
    texts = [ranking.record_text(r.record.title, r.record.abstract, " ".join(r.record.keywords or [])) for r in rows]
    position = {row.pk: i for i, row in enumerate(rows)}
    labels = {position[pk]: y for pk, y in training_labels(team.review, team.rev1).items()}
    fresh = ranking.fit_scores(texts, labels)
    stored = dict(RelevanceScore.objects.filter(run=run).values_list("record_stage_id", "score"))
    assert all(abs(stored[pk] - fresh[position[pk]]) < 1e-9 for pk in stored)
