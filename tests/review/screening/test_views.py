"""Screening pages: happy paths, roles (403), methods (405), fetch + JSON, constant queries."""

import pytest
from django.urls import reverse

from review.models import Conflict, RecordStage, ScreeningDecision
from review.models.screening import Stage, StageStatus
from review.screening import services as svc

pytestmark = pytest.mark.django_db
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def _screen_url(team, stage="title-abstract"):
    return reverse("review:screen", args=[team.review.slug, stage])


def _vote_url(team, record, stage="title-abstract"):
    return reverse("review:vote", args=[team.review.slug, stage, record.pk])


def test_reviewer_sees_a_record_with_highlighted_terms_and_the_shortcuts(client_for, team, records):
    team.review.inclusion_terms = "IVIg\n"
    team.review.exclusion_terms = "dermatomyositis"
    team.review.save()
    response = client_for(team.rev1).get(_screen_url(team))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<mark class="inc">IVIg</mark>' in html and '<mark class="exc">dermatomyositis</mark>' in html
    assert "<kbd>I</kbd> include" in html and "Maybe counts as include" in html
    assert "<span id=\"remaining\">4</span> records left" in html


def test_vote_by_fetch_returns_the_next_record(client_for, team, records):
    client = client_for(team.rev1)
    first = client.get(_screen_url(team)).content.decode()
    record = next(r for r in records if f'data-record="{r.pk}"' in first)
    response = client.post(_vote_url(team, record), {"vote": "include", "version": 0, "note": "ok"}, **FETCH)
    data = response.json()
    assert data["ok"] is True
    assert f'data-record="{record.pk}"' not in data["html"] and "data-record=" in data["html"]
    assert ScreeningDecision.objects.get(record=record, reviewer=team.rev1).note == "ok"


def test_refused_vote_by_fetch_says_why(client_for, team, records):
    client = client_for(team.rev1)
    response = client.post(_vote_url(team, records[0]), {"vote": "perhaps"}, **FETCH)
    assert response.status_code == 400 and response.json()["error"] == svc.UNKNOWN_VOTE


def test_vote_without_javascript_redirects_back_to_the_queue(client_for, team, records):
    response = client_for(team.rev1).post(_vote_url(team, records[0]), {"vote": "exclude", "version": 0})
    assert response.status_code == 302 and response["Location"].startswith(_screen_url(team))


def test_queue_serves_each_record_once_and_never_a_merged_duplicate(client_for, team, records):
    records[3].duplicate_of = records[0]
    records[3].save()
    client = client_for(team.rev1)
    seen = []
    html = client.get(_screen_url(team)).content.decode()
    while "data-record=" in html:
        pk = int(html.split('data-record="')[1].split('"')[0])
        seen.append(pk)
        html = client.post(_vote_url(team, type("R", (), {"pk": pk})), {"vote": "include"}, **FETCH).json()["html"]
    assert sorted(seen) == sorted(r.pk for r in records[:3])
    assert "Nothing left to screen" in html


def test_random_order_is_a_fixed_shuffle_started_at_each_reviewers_own_place(client_for, team, make_records):
    from review.models import RecordStage
    from review.screening.selectors import reviewer_offset

    records = make_records(30)
    client = client_for(team.rev1)
    served = []
    html = client.get(_screen_url(team)).content.decode()
    while "data-record=" in html:
        pk = int(html.split('data-record="')[1].split('"')[0])
        served.append(pk)
        html = client.post(_vote_url(team, type("R", (), {"pk": pk})), {"vote": "include"}, **FETCH).json()["html"]
    shuffled = list(RecordStage.objects.filter(review=team.review, stage=Stage.TITLE_ABSTRACT)
                    .order_by("shuffle", "id").values_list("record_id", "shuffle"))
    assert [pk for pk, _ in shuffled] != sorted(r.pk for r in records)
    offset = reviewer_offset(team.review, team.rev1)
    start = next((i for i, (_, key) in enumerate(shuffled) if key >= offset), 0)
    assert served == [pk for pk, _ in shuffled[start:] + shuffled[:start]]


def test_order_by_year_serves_the_newest_first(client_for, team, records):
    html = client_for(team.rev1).get(_screen_url(team) + "?order=year").content.decode()
    assert f'data-record="{records[3].pk}"' in html


def test_a_full_record_is_not_served_to_a_third_reviewer(client_for, team, records, vote, make_user):
    from review.services.reviews import member_add

    third = make_user("tara_third")
    member_add(review=team.review, user=third, roles=["reviewer"], actor=team.lead)
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    html = client_for(third).get(_screen_url(team) + "?order=title").content.decode()
    assert "<span id=\"remaining\">3</span> records left" in html


def test_reviewer_changes_own_vote_from_my_decisions(client_for, team, records, vote):
    vote(records[0], team.rev1, "exclude")
    client = client_for(team.rev1)
    listing = client.get(reverse("review:my_decisions", args=[team.review.slug, "title-abstract"])).content.decode()
    assert f"?record={records[0].pk}" in listing
    page = client.get(_screen_url(team) + f"?record={records[0].pk}").content.decode()
    assert "You voted <strong>exclude</strong> on this record. Change it?" in page and 'name="version" value="1"' in page
    client.post(_vote_url(team, records[0]), {"vote": "include", "version": 1}, **FETCH)
    assert ScreeningDecision.objects.get(record=records[0], reviewer=team.rev1).vote == "include"


def test_screening_needs_the_reviewer_role(client_for, team, records):
    assert client_for(team.arbiter).get(_screen_url(team)).status_code == 403
    assert client_for(team.arbiter).post(_vote_url(team, records[0]), {"vote": "include"}).status_code == 403


def test_vote_needs_post_and_unknown_stage_is_404(client_for, team, records):
    client = client_for(team.rev1)
    assert client.get(_vote_url(team, records[0])).status_code == 405
    assert client.get(_screen_url(team, "abstracts")).status_code == 404


def _cursor_at_start(client, team):
    # Past the end of the order the queue wraps around with one more query, once per pass;
    # a cursor before every key keeps the measurement on the steady path.
    session = client.session
    session[f"screen-cursor:{team.review.pk}:title_abstract"] = -1
    session.save()


def test_next_record_page_takes_a_constant_number_of_queries(client_for, team, make_records, django_assert_num_queries):
    make_records(5)
    client = client_for(team.rev1)
    client.get(_screen_url(team))
    _cursor_at_start(client, team)
    # session, user, membership, anything imported since?, any settled include (no: the
    # default order is random), next record (one index walk, with its source), the review's
    # audit chain head (remaining and one's own decisions so far, the progress bar, are kept
    # from the load before under it), the session's new cursor (update in a savepoint) and
    # one's own last decision (to change it)
    with django_assert_num_queries(11):
        client.get(_screen_url(team))
    make_records(50)
    client.get(_screen_url(team))  # the newly imported records join the queue once
    _cursor_at_start(client, team)
    with django_assert_num_queries(11):
        client.get(_screen_url(team))


def test_vote_takes_a_constant_number_of_queries(client_for, team, make_records, django_assert_num_queries):
    records = make_records(10)
    client = client_for(team.rev1)
    client.get(_screen_url(team))
    client.post(_vote_url(team, records[0]), {"vote": "include", "version": 0}, **FETCH)
    _cursor_at_start(client, team)
    # session, user, membership, record; the service in a savepoint (the test's transaction):
    # role, lock the stage row (it exists since the page synced it), own decision, insert decision,
    # audit (lock the chain head, insert, move the head), update stage, release; then the
    # next record and the session's new cursor (update in a savepoint). Posted without an
    # order, so one more: any settled include (the default order is random until then); and
    # one's own last vote, offered on the next record.
    with django_assert_num_queries(20):
        client.post(_vote_url(team, records[1]), {"vote": "include", "version": 0}, **FETCH)
    more = make_records(40)
    client.get(_screen_url(team))
    _cursor_at_start(client, team)
    with django_assert_num_queries(20):
        client.post(_vote_url(team, more[0]), {"vote": "include", "version": 0}, **FETCH)


def test_arbiter_sees_both_votes_and_settles_the_conflict(client_for, team, records, vote):
    vote(records[0], team.rev1, "include", note="eligible children")
    vote(records[0], team.rev2, "exclude", note="adults only")
    conflict = Conflict.objects.get(record=records[0])
    client = client_for(team.arbiter)
    listing = client.get(reverse("review:conflicts", args=[team.review.slug])).content.decode()
    assert records[0].title in listing
    url = reverse("review:conflict_detail", args=[team.review.slug, conflict.pk])
    page = client.get(url).content.decode()
    assert "eligible children" in page and "adults only" in page
    response = client.post(url, {"outcome": "include", "note": "protocol allows children"})
    assert response.status_code == 302
    assert RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT).status == StageStatus.ADVANCED


def test_conflict_page_needs_the_arbiter_role(client_for, team, records, vote):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    conflict = Conflict.objects.get(record=records[0])
    url = reverse("review:conflict_detail", args=[team.review.slug, conflict.pk])
    assert client_for(team.rev1).get(url).status_code == 403
    assert client_for(team.lead).get(url).status_code == 403
    assert client_for(team.rev1).get(reverse("review:conflicts", args=[team.review.slug])).status_code == 403


def test_lead_sends_a_conflict_back_from_the_list(client_for, team, records, vote):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    row = RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT)
    url = reverse("review:send_back", args=[team.review.slug, row.pk])
    assert client_for(team.rev1).post(url, {"reason": "x"}).status_code == 403
    response = client_for(team.lead).post(url, {"reason": "criteria clarified", "next": "conflicts"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == StageStatus.AWAITING and row.decision_count == 0


def test_full_text_page_attaches_a_pdf_that_members_download(client_for, team, records, vote):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.review.screening.conftest import PDF_BYTES

    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")
    url = reverse("review:fulltext_detail", args=[team.review.slug, records[0].pk])
    client = client_for(team.rev1)
    response = client.post(url, {"action": "attach", "pdf": SimpleUploadedFile("a.pdf", PDF_BYTES), "version": 0})
    assert response.status_code == 302
    pdf = client.get(reverse("review:fulltext_pdf", args=[team.review.slug, records[0].pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content) == PDF_BYTES
    assert client_for(team.arbiter).get(url).status_code == 403
    listing = client_for(team.lead).get(reverse("review:fulltexts", args=[team.review.slug])).content.decode()
    assert "Retrieved" in listing


def test_full_text_page_marks_not_retrieved(client_for, team, records, vote):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")
    url = reverse("review:fulltext_detail", args=[team.review.slug, records[0].pk])
    client_for(team.lead).post(url, {"action": "not_retrieved", "reason": "no library access", "version": 0})
    assert RecordStage.objects.get(record=records[0], stage=Stage.FULL_TEXT).status == StageStatus.NOT_RETRIEVED


def test_full_text_screening_asks_for_a_reason(client_for, team, records, at_full_text):
    at_full_text(records[0])
    client = client_for(team.rev1)
    html = client.get(_screen_url(team, "full-text")).content.decode()
    assert "Exclusion reason (required to exclude)" in html and "Wrong population" in html
    response = client.post(_vote_url(team, records[0], "full-text"), {"vote": "exclude"}, **FETCH)
    assert response.json()["error"] == svc.REASON_REQUIRED


def test_dashboard_shows_progress_and_agreement_to_the_lead(client_for, team, records, vote):
    for record, (a, b) in zip(records, [("include", "include"), ("exclude", "exclude"), ("include", "exclude"),
                                         ("exclude", "exclude")], strict=True):
        vote(record, team.rev1, a)
        vote(record, team.rev2, b)
    response = client_for(team.lead).get(reverse("review:dashboard", args=[team.review.slug]))
    html = response.content.decode()
    assert "rosa_reviewer & rui_reviewer" in html
    assert "0.750" in html  # 3 of 4 agree
    assert client_for(team.rev1).get(reverse("review:dashboard", args=[team.review.slug])).status_code == 403


def test_dashboard_gives_fleiss_kappa_when_three_reviewers_screen_each_record(client_for, team, records, vote,
                                                                               make_user):
    from review.screening.agreement import agreement_for
    from review.services.reviews import member_add

    third = make_user("tara_third")
    member_add(review=team.review, user=third, roles=["reviewer"], actor=team.lead)
    team.review.ta_reviewers_per_record = 3
    team.review.save()
    patterns = [("include", "include", "maybe"), ("exclude", "exclude", "exclude"),
                ("include", "exclude", "include"), ("exclude", "exclude", "include")]
    for record, votes in zip(records, patterns, strict=True):
        for user, v in zip((team.rev1, team.rev2, third), votes, strict=True):
            vote(record, user, v)
    title_abstract = agreement_for(team.review)[0]
    # include counts per record 3, 0, 2, 1 of 3: P-bar = (1 + 1 + 1/3 + 1/3) / 4 = 2/3,
    # p(include) = 6/12, Pe = 1/2, kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert title_abstract["fleiss"].kappa == pytest.approx(1 / 3)
    pair = next(p for p in title_abstract["pairs"] if (p["a"], p["b"]) == ("rosa_reviewer", "rui_reviewer"))
    assert pair["result"].n == 4 and pair["result"].percent_agreement == pytest.approx(0.75)
    html = client_for(team.lead).get(reverse("review:dashboard", args=[team.review.slug])).content.decode()
    assert "Fleiss' κ over 4 records with 3 votes each: 0.333" in html


def test_after_settling_the_next_conflict_opens_and_a_settled_one_says_what_was_decided(client_for, team, records,
                                                                                          vote):
    for record in records[:2]:
        vote(record, team.rev1, "include")
        vote(record, team.rev2, "exclude")
    first, second = Conflict.objects.filter(record__in=records[:2]).order_by("created_at", "id")
    client = client_for(team.arbiter)
    first_url = reverse("review:conflict_detail", args=[team.review.slug, first.pk])
    response = client.post(first_url, {"outcome": "exclude", "note": "adults only in the protocol"})
    assert response["Location"] == reverse("review:conflict_detail", args=[team.review.slug, second.pk])
    settled = client.get(first_url).content.decode()
    assert "Settled: <strong>exclude</strong> by ari_arbiter" in settled
    assert "because: “adults only in the protocol”" in settled and 'name="outcome"' not in settled
    response = client.post(response["Location"], {"outcome": "include", "note": ""})
    assert response["Location"] == reverse("review:conflicts", args=[team.review.slug])
