"""The review home tells each person what waits for them, and the lead how far the review is."""

import pytest
from django.urls import reverse

from review.models import Record, RecordImport
from review.screening.services import decision_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(team, source):
    imported = RecordImport.objects.create(review=team.review, source=source, filename="s.ris", sha256="1" * 64,
                                           status="done")
    return [Record.objects.create(review=team.review, record_import=imported, source=source, position=i,
                                  title=f"Trial {i} of IVIg", year=2020) for i in range(1, 4)]


def _todos(client, review) -> list[str]:
    response = client.get(reverse("review:detail", args=[review.slug]))
    assert response.status_code == 200
    return [t.text for t in response.context["todos"]]


def _vote(team, record, user, vote):
    decision_record(review=team.review, record=record, stage="title_abstract", reviewer=user, vote=vote)


def test_a_reviewer_is_told_how_many_records_wait_for_their_vote(team, records, client_for):
    client = client_for(team.rev1)
    assert _todos(client, team.review) == ["3 records wait for your title/abstract vote"]
    _vote(team, records[0], team.rev1, "include")
    page = client.get(reverse("review:detail", args=[team.review.slug])).content.decode()
    assert "2 records wait for your title/abstract vote" in page
    assert f'href="{reverse("review:screen", args=[team.review.slug, "title-abstract"])}"' in page


def test_a_colleagues_votes_do_not_change_ones_own_count(team, records, client_for):
    _vote(team, records[0], team.rev1, "include")
    _vote(team, records[1], team.rev1, "exclude")
    assert _todos(client_for(team.rev2), team.review) == ["3 records wait for your title/abstract vote"]


def test_a_conflict_waits_for_the_arbiter_and_the_lead_not_for_reviewers(team, records, client_for):
    _vote(team, records[0], team.rev1, "include")
    _vote(team, records[0], team.rev2, "exclude")
    assert "1 conflict waits for you" in _todos(client_for(team.arbiter), team.review)
    assert "1 conflict waits for you" in _todos(client_for(team.lead), team.review)
    assert not any("conflict" in t for t in _todos(client_for(team.rev1), team.review))


def test_nothing_waiting_is_said_in_words(team, client_for):
    page = client_for(team.arbiter).get(reverse("review:detail", args=[team.review.slug])).content.decode()
    assert "Nothing waits for you in this review just now." in page


def test_the_progress_strip_is_for_the_lead(team, records, client_for):
    _vote(team, records[0], team.rev1, "exclude")
    _vote(team, records[0], team.rev2, "exclude")
    response = client_for(team.lead).get(reverse("review:detail", args=[team.review.slug]))
    steps = {s.label: s.count for s in response.context["progress"]}
    assert list(steps)[:5] == ["Identified", "De-duplicated", "Screened", "Full text", "Included"]
    assert (steps["Identified"], steps["De-duplicated"], steps["Screened"]) == (3, 3, 1)
    assert client_for(team.rev1).get(reverse("review:detail", args=[team.review.slug])).context["progress"] == []


@pytest.fixture
def extraction_demo(team, settings, tmp_path):
    from analysis import demo as bcg

    settings.MEDIA_ROOT = tmp_path / "media"
    bcg.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2], leave_open="4")
    return team.review


def test_extraction_and_analysis_tell_the_lead_what_waits(team, extraction_demo, client_for):
    from extraction.models import Consensus
    from extraction.services.consensus import consensus_unlock

    todos = _todos(client_for(team.lead), team.review)
    assert "1 study has discrepancies to reconcile" in todos
    steps = {s.label: s.count for s in client_for(team.lead).get(
        reverse("review:detail", args=[team.review.slug])).context["progress"]}
    assert (steps["Extracted"], steps["Locked"]) == (13, 12)
    assert steps["Analysed"] >= 1 and not any("out of date" in t for t in todos)
    locked = Consensus.objects.filter(study__review=team.review, kind="extraction", status="locked").first()
    consensus_unlock(consensus=locked, actor=team.lead, reason="typo in events", expected_version=None)
    todos = _todos(client_for(team.lead), team.review)
    assert any(t.endswith("out of date: the locked data changed") for t in todos)
    assert "1 study is ready to lock (extraction)" in todos


def test_an_extractor_is_told_of_work_assigned_and_not_yet_submitted(team, client_for):
    from extraction.services.assignments import assignment_set
    from review.models import Study

    study = Study.objects.create(review=team.review, label="Dalakas 1993", created_by=team.lead)
    assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    assert "1 extraction is assigned to you" in _todos(client_for(team.rev1), team.review)
    assert not any("extractors assigned" in t for t in _todos(client_for(team.lead), team.review))
