"""Stopping prioritised screening on the lead's decision, and bringing the records back."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from review.models import AuditEvent, RecordStage, ScreeningDecision, ScreeningStop
from review.models.screening import Stage, StageStatus
from review.screening.retraining import ranking_retrain
from review.screening.services import SCREENING_STOPPED, decision_record
from review.screening.stop import (
    ALREADY_STOPPED,
    NOT_A_LEAD,
    NOT_STARTED,
    NOT_STOPPED,
    STALE_STATISTIC,
    screening_resume,
    screening_stop,
)
from review.screening.stopping import buscar
from review.screening.stopping_status import stopping_status

pytestmark = pytest.mark.django_db
TA = Stage.TITLE_ABSTRACT


@pytest.fixture
def ranked(team, make_records, vote):
    """Twenty records: two settled before ranking began, six after, one with a pending vote."""
    records = make_records(20)

    def settle(record, outcome):
        vote(record, team.rev1, outcome)
        vote(record, team.rev2, outcome)

    settle(records[0], "include")
    settle(records[1], "exclude")
    ranking_retrain(review=team.review)
    for i, record in enumerate(records[2:8]):
        settle(record, "include" if i in (0, 2) else "exclude")
    vote(records[8], team.rev1, "include")
    return records


def test_the_statistic_counts_records_settled_since_ranking_began_in_order(team, ranked):
    result = stopping_status(team.review)
    # Since ranking began: include, exclude, include, exclude, exclude, exclude. The inputs mean
    # what they mean in screening_simulate: total = every record (20), prior = the records
    # settled before ranking began (2), so the test's urn is the 18 not settled then.
    assert result == buscar([1, 0, 1, 0, 0, 0], 20, recall_target=0.95, confidence=0.95, prior=2)
    # buscar counts the prior records as screened but only the includes since ranking began.
    assert (result.screened, result.includes_found, result.consecutive_irrelevant) == (8, 2, 3)


def test_the_statistic_kept_between_loads_follows_every_new_outcome_and_setting(team, ranked, vote):
    assert stopping_status(team.review) == stopping_status(team.review)
    vote(ranked[8], team.rev2, "include")  # the pending vote's record settles: an include
    assert stopping_status(team.review) == buscar([1, 0, 1, 0, 0, 0, 1], 20, prior=2)
    team.review.recall_target = 0.8
    team.review.save()
    assert stopping_status(team.review) == buscar([1, 0, 1, 0, 0, 0, 1], 20, recall_target=0.8, prior=2)


def test_the_recall_target_and_confidence_are_the_reviews(team, ranked):
    team.review.recall_target, team.review.stop_confidence = 0.8, 0.9
    team.review.save()
    result = stopping_status(team.review)
    assert (result.recall_target, result.confidence) == (0.8, 0.9)


def test_before_ranking_there_is_no_statistic_and_no_stop(team, records):
    assert stopping_status(team.review) is None
    with pytest.raises(ValidationError) as refused:
        screening_stop(review=team.review, actor=team.lead, screened_seen=0)
    assert refused.value.messages == [NOT_STARTED]


def test_stopping_marks_every_unsettled_record_and_keeps_its_votes(team, ranked):
    stop = screening_stop(review=team.review, actor=team.lead, screened_seen=8)
    rows = RecordStage.objects.filter(review=team.review, stage=TA)
    assert rows.filter(status=StageStatus.AUTOMATION_EXCLUDED).count() == 12 == stop.records
    assert rows.filter(status__in=[StageStatus.ADVANCED, StageStatus.EXCLUDED]).count() == 8
    assert ScreeningDecision.objects.filter(record=ranked[8], reviewer=team.rev1).exists()
    event = AuditEvent.objects.get(action="screening.stopped")
    assert event.actor == team.lead
    assert event.new_value["statistic"] == stopping_status(team.review).as_dict() == stop.statistic
    assert sorted(event.new_value["record_ids"]) == sorted(r.pk for r in ranked[8:])
    # Out of every queue, and no vote lands on them.
    from review.screening import selectors

    assert selectors.next_record(team.review, team.rev2, TA, order="relevant") is None
    assert selectors.next_record(team.review, team.rev2, TA, order="random") is None
    with pytest.raises(ValidationError) as refused:
        decision_record(review=team.review, record=ranked[9], stage=TA, reviewer=team.rev2, vote="include")
    assert refused.value.messages == [SCREENING_STOPPED]
    with pytest.raises(ValidationError) as refused:
        screening_stop(review=team.review, actor=team.lead, screened_seen=8)
    assert refused.value.messages == [ALREADY_STOPPED]


def test_bringing_back_returns_the_records_to_the_queue_audited(team, ranked, django_capture_on_commit_callbacks):
    stop = screening_stop(review=team.review, actor=team.lead, screened_seen=8)
    with django_capture_on_commit_callbacks(execute=True):
        assert screening_resume(review=team.review, actor=team.lead, stop_id=stop.pk) == 12
    rows = RecordStage.objects.filter(review=team.review, stage=TA)
    assert not rows.filter(status=StageStatus.AUTOMATION_EXCLUDED).exists()
    assert rows.get(record=ranked[8]).decision_count == 1
    stop.refresh_from_db()
    assert stop.resumed_by == team.lead and stop.resumed_at is not None
    event = AuditEvent.objects.get(action="screening.resumed")
    assert event.new_value["records"] == 12 and event.old_value["statistic"] == stop.statistic
    decision_record(review=team.review, record=ranked[8], stage=TA, reviewer=team.rev2, vote="include")
    assert rows.get(record=ranked[8]).status == StageStatus.ADVANCED
    with pytest.raises(ValidationError) as refused:
        screening_resume(review=team.review, actor=team.lead, stop_id=None)
    assert refused.value.messages == [NOT_STOPPED]
    # Stopped and brought back twice over: each stop is its own row.
    screening_stop(review=team.review, actor=team.lead, screened_seen=None)
    assert ScreeningStop.objects.filter(review=team.review).count() == 2


def test_a_stop_on_a_stale_statistic_is_refused(team, ranked):
    with pytest.raises(ValidationError) as refused:
        screening_stop(review=team.review, actor=team.lead, screened_seen=7)
    assert refused.value.messages == [STALE_STATISTIC.format(seen=7, now=8)]
    assert not ScreeningStop.objects.exists()


def test_only_the_lead_stops_and_brings_back(team, ranked):
    for user in (team.rev1, team.arbiter):
        with pytest.raises(ValidationError) as refused:
            screening_stop(review=team.review, actor=user, screened_seen=8)
        assert refused.value.messages == [NOT_A_LEAD]
    stop = screening_stop(review=team.review, actor=team.lead, screened_seen=8)
    with pytest.raises(ValidationError) as refused:
        screening_resume(review=team.review, actor=team.rev1, stop_id=stop.pk)
    assert refused.value.messages == [NOT_A_LEAD]


def _dashboard(team):
    return reverse("review:dashboard", args=[team.review.slug])


def test_the_dashboard_shows_the_lead_the_statistic(client_for, team, ranked):
    html = client_for(team.lead).get(_dashboard(team)).content.decode()
    assert "Prioritised screening" in html
    assert '<dd data-stat="screened">8 of 20</dd>' in html and '<dd data-stat="since">6</dd>' in html
    # Every include found, the one settled before ranking began too.
    assert '<dd data-stat="includes">3</dd>' in html and '<dd data-stat="run">3</dd>' in html
    assert "Stop screening" in html


def test_the_arbiter_sees_the_dashboard_without_the_lead_panel(client_for, team, ranked):
    html = client_for(team.arbiter).get(_dashboard(team)).content.decode()
    assert "Prioritised screening" not in html


def test_the_stop_and_bring_back_pages(client_for, team, ranked):
    url = reverse("review:screening_stop", args=[team.review.slug])
    assert client_for(team.rev1).post(url, {"confirm": "yes", "screened": 8}).status_code == 403
    assert client_for(team.outsider).post(url, {"confirm": "yes", "screened": 8}).status_code == 404
    client = client_for(team.lead)
    assert client.get(url).status_code == 405
    response = client.post(url, {"screened": 8}, follow=True)
    assert "Tick the box to confirm that screening stops." in response.content.decode()
    assert not ScreeningStop.objects.exists()
    response = client.post(url, {"confirm": "yes", "screened": 8}, follow=True)
    assert "Screening stopped" in response.content.decode()
    stop = ScreeningStop.objects.get()
    response = client.post(reverse("review:screening_resume", args=[team.review.slug]), {"stop": stop.pk}, follow=True)
    assert "The records are back in the queue." in response.content.decode()


def test_update_ranking_now_page(client_for, team, ranked, django_capture_on_commit_callbacks):
    url = reverse("review:ranking_update", args=[team.review.slug])
    assert client_for(team.rev1).post(url).status_code == 403
    client = client_for(team.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "The ranking is being updated in the background" in response.content.decode()
    assert AuditEvent.objects.filter(action="ranking.requested").count() == 1


def test_the_report_names_the_model_the_schedule_and_the_statistic_at_the_stop(client_for, team, ranked):
    from review.screening.methods import screening_methods
    from review.screening.ranking import RETRAIN_EVERY, RankerSettings

    url = reverse("analysis:report", args=[team.review.slug])
    before = client_for(team.rev1).get(url).content.decode()
    assert "Screening has not been stopped by the rule" in before
    stop = screening_stop(review=team.review, actor=team.lead, screened_seen=8)
    methods = screening_methods(team.review)
    text = " ".join(methods["sentences"])
    first_setting = next(iter(RankerSettings().as_dict()))
    assert first_setting.replace("_", " ") in text
    assert f"after every {RETRAIN_EVERY} newly settled records" in text and "1 time in all" in text
    assert "recall is below 95%" in text and "confidence level of 95%" in text
    p = stop.statistic["p_value"]
    assert (f"after 8 of 20 records had been screened (6 since ranking began) and 3 included (p = {p:.4f}" in text)
    assert "the 12 records left unscreened were marked as ineligible by automation tools" in text
    html = client_for(team.rev1).get(url).content.decode()
    assert "<h2>Screening methods</h2>" in html and "Callaghan MW" in html


def test_a_review_that_never_ranked_has_no_screening_methods_paragraph(client_for, team, records):
    html = client_for(team.lead).get(reverse("analysis:report", args=[team.review.slug])).content.decode()
    assert "Screening methods" not in html


def test_the_recall_target_and_confidence_are_edited_with_the_review_settings(client_for, team):
    url = reverse("review:settings", args=[team.review.slug])
    client = client_for(team.lead)
    response = client.post(url, {"title": team.review.title, "ta_reviewers_per_record": 2,
                                 "ft_reviewers_per_record": 2, "recall_target": "0.9", "stop_confidence": "0.99",
                                 "version": team.review.version})
    assert response.status_code == 302
    team.review.refresh_from_db()
    assert (team.review.recall_target, team.review.stop_confidence) == (0.9, 0.99)
    event = AuditEvent.objects.filter(action="review.updated").latest("id")
    assert event.new_value["recall_target"] == 0.9 and event.old_value["recall_target"] == 0.95
    response = client.post(url, {"title": team.review.title, "ta_reviewers_per_record": 2,
                                 "ft_reviewers_per_record": 2, "recall_target": "1.5",
                                 "version": team.review.version})
    assert response.status_code == 200 and "Ensure this value is less than or equal to 0.999" in response.content.decode()
