"""The page listing merges whose two copies had been screened to different outcomes."""

import itertools

import pytest
from django.urls import reverse

from review.models import DuplicatePair, Record, RecordImport, RecordStage
from review.models.duplicates import PairDecision, PairStatus
from review.models.screening import Stage, StageStatus
from review.screening.services import decision_record, stages_sync
from review.services.duplicates import dedup_run, record_merge

pytestmark = pytest.mark.django_db
MARKER = "ZQX-merge-note-4c2e9b"
FLAG = "screening disagrees at title_abstract: record 1 excluded, record 2 advanced"
_files = itertools.count(1)


def _url(team):
    return reverse("review:duplicate_disagreements", args=[team.review.slug])


def _records(team, source, *titles, doi=""):
    n = next(_files)
    record_import = RecordImport.objects.create(
        review=team.review, source=source, filename=f"f{n}.ris", sha256=f"{n:064d}", status="done",
    )
    records = [
        Record.objects.create(review=team.review, record_import=record_import, source=source, position=i + 1,
                              title=title, year=2001 + i, doi=doi)
        for i, title in enumerate(titles)
    ]
    stages_sync(review=team.review)
    return records


def _screen(team, record, vote, note=""):
    for reviewer in (team.rev1, team.rev2):
        decision_record(review=team.review, record=record, stage=Stage.TITLE_ABSTRACT, reviewer=reviewer,
                        vote=vote, note=note)


def _flagged_merge(team, source, kept_title="Kept trial", merged_title="Merged trial", note=""):
    kept, merged = _records(team, source, kept_title, merged_title)
    _screen(team, kept, "include")
    _screen(team, merged, "exclude", note=note)
    return record_merge(record=merged, into=kept, actor=team.lead)


def test_page_lists_a_merge_whose_copies_differ_at_title_abstract(client_for, team, source):
    pair = _flagged_merge(team, source)
    page = client_for(team.rev1).get(_url(team)).content.decode()
    assert reverse("review:record_detail", args=[team.review.slug, pair.record_id]) in page
    assert reverse("review:record_detail", args=[team.review.slug, pair.kept_id]) in page
    assert "Kept trial" in page and "Merged trial" in page and "(2001)" in page
    assert "Excluded" in page and "Advanced to full text" in page and 'class="differs"' in page
    assert f"screening disagrees at title_abstract: record {pair.record_id} excluded" in page
    assert "by lena_lead" in page


def test_page_leaves_out_agreeing_merges_and_pending_or_rejected_pairs(client_for, team, source):
    _flagged_merge(team, source)
    agree_kept, agree_merged = _records(team, source, "Agreeing kept", "Agreeing merged")
    _screen(team, agree_kept, "exclude")
    _screen(team, agree_merged, "exclude")
    record_merge(record=agree_merged, into=agree_kept, actor=team.lead)
    # A person's merge reason that only mentions the words is not the flag.
    mention_kept, mention_merged = _records(team, source, "Mention kept", "Mention merged")
    record_merge(record=mention_merged, into=mention_kept, actor=team.lead,
                 reason="checked: no screening disagrees at title_abstract")
    for status in (PairStatus.PENDING, PairStatus.REJECTED):
        a, b = _records(team, source, f"Pair {status} one", f"Pair {status} two")
        DuplicatePair.objects.create(review=team.review, record=b, kept=a, score=0.8,
                                     decision=PairDecision.MAYBE, status=status, reasons=[FLAG])
    client = client_for(team.lead)
    page = client.get(_url(team)).content.decode()
    assert "Merged trial" in page
    for title in ("Agreeing", "Mention", "Pair pending", "Pair rejected"):
        assert title not in page
    queue = client.get(reverse("review:duplicates", args=[team.review.slug])).content.decode()
    assert _url(team) in queue and "1 merge joined records" in queue


def test_queue_page_has_no_link_without_disagreements(client_for, team, source):
    kept, merged = _records(team, source, "Kept trial", "Merged trial")
    record_merge(record=merged, into=kept, actor=team.lead)
    queue = client_for(team.lead).get(reverse("review:duplicates", args=[team.review.slug])).content.decode()
    assert _url(team) not in queue


def test_an_automatic_merge_says_so(client_for, team, source):
    kept, merged = _records(team, source, "Same trial of IVIg", "Same trial of IVIg", doi="10.1000/same")
    _screen(team, kept, "include")
    _screen(team, merged, "exclude")
    assert dedup_run(review=team.review).merged == 1
    page = client_for(team.rev2).get(_url(team)).content.decode()
    assert "Merged automatically" in page and "screening disagrees at title_abstract" in page


def test_non_member_gets_404_and_anonymous_goes_to_log_in(client, client_for, team, source):
    _flagged_merge(team, source)
    response = client.get(_url(team))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client_for(team.outsider).get(_url(team)).status_code == 404


def test_page_takes_a_constant_number_of_queries(client_for, team, source, django_assert_num_queries):
    _flagged_merge(team, source)
    client = client_for(team.lead)
    # session, user, membership with its review, count of pairs, the page of pairs (with both
    # records and the person who merged), and the stage rows of every record on the page.
    with django_assert_num_queries(6):
        client.get(_url(team))
    for i in range(4):
        _flagged_merge(team, source, kept_title=f"Kept {i}", merged_title=f"Merged {i}")
    with django_assert_num_queries(6):
        page = client.get(_url(team)).content.decode()
    assert page.count("<section>") == 5


def test_titles_are_escaped(client_for, team, source):
    _flagged_merge(team, source, kept_title="<script>alert('kept')</script>")
    page = client_for(team.rev1).get(_url(team)).content.decode()
    assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page


def test_no_reviewer_note_reaches_the_page(client_for, team, source):
    _flagged_merge(team, source, note=f"adults only {MARKER}")
    for user in (team.rev1, team.rev2, team.lead, team.arbiter):
        page = client_for(user).get(_url(team)).content.decode()
        assert "Merged trial" in page and MARKER not in page


def test_lead_sends_the_kept_record_back_from_the_page(client_for, team, source):
    pair = _flagged_merge(team, source)
    row = RecordStage.objects.get(record_id=pair.kept_id, stage=Stage.TITLE_ABSTRACT)
    send_back = reverse("review:send_back", args=[team.review.slug, row.pk])
    assert send_back not in client_for(team.rev1).get(_url(team)).content.decode()
    client = client_for(team.lead)
    assert send_back in client.get(_url(team)).content.decode()
    response = client.post(send_back, {"reason": "the merged copy was right", "next": "duplicate_disagreements"})
    assert response.status_code == 302 and response["Location"] == _url(team)
    row.refresh_from_db()
    assert row.status == StageStatus.AWAITING and row.decision_count == 0
