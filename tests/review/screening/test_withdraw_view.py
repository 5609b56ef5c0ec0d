"""The screening page's Undo: offered after a vote, takes it back, serves the record again."""

import pytest
from django.urls import reverse

from review.models import RecordStage, ScreeningDecision
from review.models.screening import Stage
from review.screening import services as svc
from review.views.screening import WITHDRAWN

pytestmark = pytest.mark.django_db
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
TA = Stage.TITLE_ABSTRACT


def _screen_url(team, stage="title-abstract"):
    return reverse("review:screen", args=[team.review.slug, stage])


def _vote_url(team, record, stage="title-abstract"):
    return reverse("review:vote", args=[team.review.slug, stage, record.pk])


def _undo_url(team, record, stage="title-abstract"):
    return reverse("review:withdraw", args=[team.review.slug, stage, record.pk])


def _served(html, records):
    return next(r for r in records if f'data-record="{r.pk}"' in html)


def _vote_on_served(client, team, records, vote="include", stage="title-abstract"):
    record = _served(client.get(_screen_url(team, stage) + "?order=title").content.decode(), records)
    response = client.post(_vote_url(team, record, stage), {"vote": vote, "version": 0, "order": "title"}, **FETCH)
    return record, response.json()["html"]


def test_after_a_vote_the_page_offers_to_undo_it(client_for, team, records):
    client = client_for(team.rev1)
    record, html = _vote_on_served(client, team, records)
    assert f'action="{_undo_url(team, record)}"' in html
    assert f"Undo (U): take back your vote on “{record.title}”" in html
    assert '<input type="hidden" name="version" value="1">' in html
    # and on the page itself, reloaded
    page = client.get(_screen_url(team) + "?order=title").content.decode()
    assert f'action="{_undo_url(team, record)}"' in page and "<kbd>U</kbd> undo your last vote" in page


def test_undo_by_fetch_serves_the_record_again_unvoted(client_for, team, records, vote):
    client = client_for(team.rev1)
    vote(records[3], team.rev1, "exclude")  # an older vote: its Previous link stays, with no Undo
    record, _ = _vote_on_served(client, team, records)
    response = client.post(_undo_url(team, record), {"version": 1, "order": "title"}, **FETCH)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.json()["html"]
    assert f'data-record="{record.pk}"' in html
    assert WITHDRAWN.format(vote="include") in html
    assert '<input type="hidden" name="version" value="0">' in html and "You voted" not in html
    assert "undo-form" not in html and f"?record={records[3].pk}&amp;order=title" in html
    assert not ScreeningDecision.objects.filter(record=record, reviewer=team.rev1).exists()
    # The queue resumes at it: reloading the page serves it too, without an Undo.
    page = client.get(_screen_url(team) + "?order=title").content.decode()
    assert _served(page, records) == record and "undo-form" not in page
    assert "<span id=\"remaining\">3</span>" in page


def test_undo_without_javascript_redirects_to_the_record_unvoted(client_for, team, records):
    client = client_for(team.rev1)
    record = _served(client.get(_screen_url(team) + "?order=year").content.decode(), records)
    client.post(_vote_url(team, record), {"vote": "exclude", "version": 0, "order": "year"})
    response = client.post(_undo_url(team, record), {"version": 1, "order": "year"})
    assert response.status_code == 302 and response["Location"] == _screen_url(team) + "?order=year"
    page = client.get(response["Location"]).content.decode()
    assert _served(page, records) == record
    assert WITHDRAWN.format(vote="exclude") in page


def test_the_vote_cast_again_after_undo_moves_on_to_the_next_record(client_for, team, records):
    client = client_for(team.rev1)
    record, html = _vote_on_served(client, team, records)
    following = _served(html, records)
    client.post(_undo_url(team, record), {"version": 1, "order": "title"}, **FETCH)
    again = client.post(_vote_url(team, record), {"vote": "exclude", "version": 0, "order": "title"}, **FETCH)
    assert _served(again.json()["html"], records) == following
    assert ScreeningDecision.objects.get(record=record, reviewer=team.rev1).vote == "exclude"


def test_undo_refused_after_the_record_settled_says_why(client_for, team, records, vote):
    client = client_for(team.rev1)
    record, _ = _vote_on_served(client, team, records)
    vote(record, team.rev2, "include")
    message = svc.WITHDRAW_SETTLED.format(votes_in="Both votes are in")
    response = client.post(_undo_url(team, record), {"version": 1, "order": "title"}, **FETCH)
    assert response.status_code == 400 and response.json() == {"ok": False, "error": message}
    page = client.post(_undo_url(team, record), {"version": 1, "order": "title"}, follow=True).content.decode()
    assert message.replace("'", "&#x27;") in page
    # The page no longer offers the button, and says why instead.
    assert "undo-form" not in page and f"Undo is closed for “{record.title}”" in page
    assert ScreeningDecision.objects.filter(record=record).count() == 2


def test_undo_from_a_stale_page_is_refused(client_for, team, records):
    client = client_for(team.rev1)
    record, _ = _vote_on_served(client, team, records)
    client.post(_vote_url(team, record), {"vote": "exclude", "version": 1}, **FETCH)  # another tab
    response = client.post(_undo_url(team, record), {"version": 1}, **FETCH)
    assert response.status_code == 400 and response.json()["error"] == svc.STALE_VOTE
    assert ScreeningDecision.objects.get(record=record, reviewer=team.rev1).vote == "exclude"


def test_the_last_vote_of_the_queue_can_be_undone_from_the_done_page(client_for, team, records, vote):
    for record in records[1:]:
        vote(record, team.rev1, "exclude")
    client = client_for(team.rev1)
    response = client.post(_vote_url(team, records[0]), {"vote": "include", "version": 0}, **FETCH)
    html = response.json()["html"]
    assert "Nothing left to screen" in html and f'action="{_undo_url(team, records[0])}"' in html
    back = client.post(_undo_url(team, records[0]), {"version": 1}, **FETCH).json()["html"]
    assert f'data-record="{records[0].pk}"' in back


def test_full_text_vote_is_undone_from_its_page(client_for, team, records, at_full_text, reasons):
    at_full_text(records[0])
    client = client_for(team.rev1)
    response = client.post(_vote_url(team, records[0], "full-text"),
                           {"vote": "exclude", "exclusion_reason": reasons[0].pk, "version": 0}, **FETCH)
    assert f'action="{_undo_url(team, records[0], "full-text")}"' in response.json()["html"]
    html = client.post(_undo_url(team, records[0], "full-text"), {"version": 1}, **FETCH).json()["html"]
    assert f'data-record="{records[0].pk}"' in html and 'name="exclusion_reason"' in html
    assert RecordStage.objects.get(record=records[0], stage=Stage.FULL_TEXT).decision_count == 0


def test_undo_needs_the_reviewer_role_membership_and_post(client_for, team, records, vote):
    vote(records[0], team.rev1, "include")
    assert client_for(team.outsider).post(_undo_url(team, records[0]), {}).status_code == 404
    assert client_for(team.arbiter).post(_undo_url(team, records[0]), {}).status_code == 403
    client = client_for(team.rev1)
    assert client.get(_undo_url(team, records[0])).status_code == 405
    assert client.post(reverse("review:withdraw", args=[team.review.slug, "later", records[0].pk])).status_code == 404
    assert ScreeningDecision.objects.filter(record=records[0], reviewer=team.rev1).exists()


def test_a_colleague_cannot_take_back_someone_elses_vote(client_for, team, records, vote):
    vote(records[0], team.rev1, "include")
    response = client_for(team.rev2).post(_undo_url(team, records[0]), {"version": 1}, **FETCH)
    assert response.status_code == 400 and response.json()["error"] == svc.NOTHING_TO_WITHDRAW
    assert ScreeningDecision.objects.filter(record=records[0], reviewer=team.rev1).exists()


def test_the_audit_page_says_in_words_that_a_vote_was_taken_back(client_for, team, records, vote):
    vote(records[0], team.rev1, "exclude", note="adults only")
    client_for(team.rev1).post(_undo_url(team, records[0]), {"version": 1}, **FETCH)
    page = client_for(team.lead).get(reverse("review:audit", args=[team.review.slug])).content.decode()
    assert "Screening: vote withdrawn" in page
    assert "Vote: Exclude → removed" in page and "Note: adults only → removed" in page


@pytest.mark.parametrize("order", ["title", "relevant"])
def test_undo_takes_a_constant_number_of_queries(client_for, team, make_records, django_assert_num_queries, order):
    records = make_records(10)
    client = client_for(team.rev1)
    for record in records[:2]:
        client.post(_vote_url(team, record), {"vote": "include", "version": 0, "order": order}, **FETCH)
    # session, user, membership, record; the service in a savepoint: role, lock the stage
    # row, own decision, audit (lock the chain head, insert, move the head), delete the
    # decision, update the row, release; one's own last vote (the Previous link), and the
    # session's new cursor (update in a savepoint). The ranked order also looks up the
    # reviewer's current ranking (none yet here, so no score to look up).
    queries = {"title": 18, "relevant": 19}[order]
    with django_assert_num_queries(queries):
        client.post(_undo_url(team, records[1]), {"version": 1, "order": order}, **FETCH)
    make_records(40)
    client.post(_vote_url(team, records[1]), {"vote": "exclude", "version": 0, "order": order}, **FETCH)
    with django_assert_num_queries(queries):
        client.post(_undo_url(team, records[1]), {"version": 1, "order": order}, **FETCH)


def test_after_undo_a_colleagues_vote_is_hidden_again_out_of_blind_mode(client_for, team, records, vote):
    team.review.blind_mode, team.review.ta_reviewers_per_record = False, 3
    team.review.save()
    marker = "ZQX-undo-marker"
    vote(records[0], team.rev2, "exclude", note=marker)
    client = client_for(team.rev1)
    client.post(_vote_url(team, records[0]), {"vote": "include", "version": 0}, **FETCH)
    shown = client.get(_screen_url(team) + f"?record={records[0].pk}").content.decode()
    assert marker in shown  # own vote in, blind mode off: the colleague's note shows
    html = client.post(_undo_url(team, records[0]), {"version": 1}, **FETCH).json()["html"]
    assert f'data-record="{records[0].pk}"' in html and marker not in html and "rosa_reviewer" not in html
    again = client.get(_screen_url(team) + f"?record={records[0].pk}").content.decode()
    assert marker not in again and "Colleagues" not in again
