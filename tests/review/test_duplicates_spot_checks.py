"""Spot checks and control of de-duplication: the automatic-merge list with undo and "keep the
other copy", choosing the kept copy in the queue, manual merge by search, and queue addresses."""

import itertools

import pytest
from django.urls import reverse

from review.duplicate_selectors import describe_reason
from review.models import AuditEvent, DuplicatePair, Record, RecordImport
from review.models.duplicates import PairDecision, PairStatus
from review.models.screening import Stage
from review.screening.services import decision_record, stages_sync
from review.services.duplicates import (
    NOT_IN_PAIR,
    SWAP_AFTER_SCREENING,
    dedup_run,
    duplicate_keep_other,
    record_merge,
)
from review.services.sources import source_create
from review.views.duplicates import KEPT_SWAPPED, MERGE_UNDONE

pytestmark = pytest.mark.django_db
_files = itertools.count(1)


def _list(team, **query):
    url = reverse("review:duplicates", args=[team.review.slug])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _records(team, source, *titles, **fields):
    n = next(_files)
    record_import = RecordImport.objects.create(
        review=team.review, source=source, filename=f"f{n}.ris", sha256=f"{n:064d}", status="done",
    )
    records = [
        Record.objects.create(review=team.review, record_import=record_import, source=source, position=i + 1,
                              title=title, **fields)
        for i, title in enumerate(titles)
    ]
    stages_sync(review=team.review)
    return records


def _auto_merge(team, source, title, *, kept_source=None, score=0.97, reasons=("doi", "title=1.00"), **fields):
    """An automatic merge as dedup_run leaves it: the copy points at the kept one, the pair says why."""
    (kept,) = _records(team, kept_source or source, title, **fields)
    (merged,) = _records(team, source, title, **fields)
    Record.objects.filter(pk=merged.pk).update(duplicate_of=kept.pk)
    return DuplicatePair.objects.create(
        review=team.review, record=merged, kept=kept, score=score, decision=PairDecision.DUPLICATE,
        status=PairStatus.MERGED, automatic=True, reasons=list(reasons),
    )


def _screen(team, record, vote="include"):
    for reviewer in (team.rev1, team.rev2):
        decision_record(review=team.review, record=record, stage=Stage.TITLE_ABSTRACT, reviewer=reviewer, vote=vote)


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# The list ------------------------------------------------------------------------------------

def test_reason_codes_read_as_words():
    assert describe_reason("doi") == "same DOI"
    assert describe_reason("title=0.97") == "titles 97% alike"
    assert describe_reason("authors=0.5") == "authors 50% alike"
    assert describe_reason("same cluster") == "joined through another copy of the same paper"
    assert describe_reason("journals-differ") == "journals differ"
    flag = "screening disagrees at title_abstract: record 1 excluded, record 2 included"
    assert describe_reason(flag) == flag


def test_list_shows_each_automatic_merge_side_by_side_with_its_evidence(client_for, team, source):
    kept, merged = _records(team, source, "IVIg for dermatomyositis: a randomised trial",
                            "IVIg for dermatomyositis: a randomised trial", doi="10.1000/ivig", year=2017,
                            journal="N Engl J Med", volume="377", pages="1325-1336",
                            authors=["Aggarwal R", "Charles-Schoeman C"])
    assert dedup_run(review=team.review).merged == 1
    manual_kept, manual = _records(team, source, "Manually merged trial", "Manually merged copy")
    record_merge(record=manual, into=manual_kept, actor=team.lead)
    _records(team, source, "Pending one", "Pending two")
    page = client_for(team.rev1).get(_list(team)).content.decode()
    section = page[page.index('id="automatic-merges"'):]
    assert "Merged automatically (1)" in section
    assert section.count("IVIg for dermatomyositis: a randomised trial") == 2
    for text in ("N Engl J Med", "377", "1325-1336", "10.1000/ivig", "Aggarwal R; Charles-Schoeman C",
                 "2017", "PubMed", "same DOI", "titles 100% alike", "same first page"):
        assert text in section, text
    assert "Manually merged" not in section
    # A reviewer audits but does not act; the lead acts from the list.
    pair = DuplicatePair.objects.get(automatic=True)
    undo = reverse("review:duplicate_undo", args=[team.review.slug, pair.pk])
    assert undo not in section and "Undo merge of record" not in section
    lead_page = client_for(team.lead).get(_list(team)).content.decode()
    assert undo in lead_page and f"Keep record {pair.record_id} instead" in lead_page


def test_list_filters_by_evidence_source_score_and_text(client_for, team, source):
    embase = source_create(review=team.review, actor=team.lead, name="Embase")
    _auto_merge(team, source, "Plasma exchange in myositis", reasons=("doi", "title=1.00"), score=0.99)
    _auto_merge(team, source, "Rituximab in refractory myositis", kept_source=embase,
                reasons=("title=0.98", "authors=0.95", "journal", "pages"), score=0.81,
                authors=["Oddis CV"])
    _auto_merge(team, source, "Creatine kinase after IVIg", reasons=("pmid", "title=0.99"), score=0.90,
                doi="10.5555/ck")
    client = client_for(team.lead)

    def titles(**query):
        body = client.get(_list(team, **query)).content.decode()
        body = body[body.index('id="automatic-merges"'):]
        return {t for t in ("Plasma exchange", "Rituximab", "Creatine kinase") if t in body}

    assert titles() == {"Plasma exchange", "Rituximab", "Creatine kinase"}
    assert titles(reason="doi") == {"Plasma exchange"}
    assert titles(reason="pages") == {"Rituximab"}
    assert titles(source=embase.pk) == {"Rituximab"}
    assert titles(score_min="0.85") == {"Plasma exchange", "Creatine kinase"}
    assert titles(score_min="0.85", score_max="0.95") == {"Creatine kinase"}
    assert titles(q="oddis") == {"Rituximab"}
    assert titles(q="10.5555") == {"Creatine kinase"}
    assert titles(q="myositis+plasma") == {"Plasma exchange"}
    # A value that does not parse is ignored rather than an error page.
    assert titles(score_min="lots", reason="nonsense") == {"Plasma exchange", "Rituximab", "Creatine kinase"}
    assert "No automatic merge matches these filters." in client.get(_list(team, q="absent")).content.decode()


def test_list_orders_lowest_score_first_and_pages(client_for, team, source):
    for i in range(27):
        _auto_merge(team, source, f"Trial number {i:02d}", score=0.9 + i / 1000)
    client = client_for(team.lead)
    first = client.get(_list(team)).content.decode()
    assert first.index("Trial number 00") < first.index("Trial number 01")
    assert "Trial number 26" not in first and "Page 1 of 2" in first
    second = client.get(_list(team, page=2, q="Trial")).content.decode()
    assert "Trial number 26" in second and "Trial number 00" not in second
    assert 'href="?q=Trial&amp;page=1"' in second


def test_list_takes_a_constant_number_of_queries(client_for, team, source, django_assert_num_queries):
    _auto_merge(team, source, "First merged trial")
    client = client_for(team.lead)
    # session, user, membership with its review, the pair counts, the pending count, the first
    # pending pairs, the merged-record count, the sources for the filter, the count of automatic
    # merges and the page of them with both records and their sources.
    with django_assert_num_queries(10):
        client.get(_list(team))
    for i in range(4):
        _auto_merge(team, source, f"Another merged trial {i}")
    with django_assert_num_queries(10):
        page = client.get(_list(team, reason="doi")).content.decode()
    assert page.count('<article class="merge"') == 5


def test_titles_on_the_list_are_escaped(client_for, team, source):
    _auto_merge(team, source, "<script>alert('merged')</script>")
    page = client_for(team.lead).get(_list(team)).content.decode()
    assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page


def test_outsider_gets_404_on_the_list(client_for, team, source):
    _auto_merge(team, source, "Some trial")
    assert client_for(team.outsider).get(_list(team)).status_code == 404


# Undo from the list -------------------------------------------------------------------------

def test_lead_undoes_a_merge_from_the_list_and_returns_to_the_same_filtered_page(client_for, team, source):
    pair = _auto_merge(team, source, "Undo me")
    back = _list(team, reason="doi", page=1)
    response = client_for(team.lead).post(
        reverse("review:duplicate_undo", args=[team.review.slug, pair.pk]), {"reason": "two trial arms", "back": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    pair.refresh_from_db()
    assert pair.status == PairStatus.UNMERGED
    assert Record.objects.get(pk=pair.record_id).duplicate_of_id is None
    event = AuditEvent.objects.get(action="duplicate.unmerged")
    assert event.reason == "two trial arms" and event.object_id == str(pair.record_id)
    followed = client_for(team.lead).get(back)
    assert MERGE_UNDONE.format(record=pair.record_id, kept=pair.kept_id) in _messages(followed)
    # The rules do not merge again what a person undid.
    assert dedup_run(review=team.review).merged == 0


def test_undo_goes_back_only_to_the_list(client_for, team, source):
    pair = _auto_merge(team, source, "Undo me")
    response = client_for(team.lead).post(
        reverse("review:duplicate_undo", args=[team.review.slug, pair.pk]), {"back": "https://evil.example/x"},
    )
    assert response["Location"] == _list(team)


def test_undo_of_a_merge_already_undone_says_so(client_for, team, source):
    pair = _auto_merge(team, source, "Undo me twice")
    url = reverse("review:duplicate_undo", args=[team.review.slug, pair.pk])
    client = client_for(team.lead)
    client.post(url)
    response = client.post(url, follow=True)
    assert "This pair is not a merge in force (Merge undone); reload the list." in _messages(response)


def test_undo_and_keep_other_need_a_lead_a_member_and_a_post(client_for, team, source):
    pair = _auto_merge(team, source, "Guarded merge")
    for name in ("review:duplicate_undo", "review:duplicate_keep_other"):
        url = reverse(name, args=[team.review.slug, pair.pk])
        assert client_for(team.rev1).post(url).status_code == 403
        assert client_for(team.outsider).post(url).status_code == 404
        assert client_for(team.lead).get(url).status_code == 405
    pair.refresh_from_db()
    assert pair.status == PairStatus.MERGED and Record.objects.get(pk=pair.record_id).duplicate_of_id == pair.kept_id
    assert not AuditEvent.objects.filter(action__in=["duplicate.unmerged", "duplicate.kept_swapped"]).exists()


# Keep the other copy ------------------------------------------------------------------------

def test_lead_keeps_the_other_copy_and_the_cluster_follows(client_for, team, source):
    pair = _auto_merge(team, source, "Swap me")
    (third,) = _records(team, source, "Swap me")
    Record.objects.filter(pk=third.pk).update(duplicate_of=pair.kept_id)
    old_record, old_kept = pair.record_id, pair.kept_id
    back = _list(team, q="Swap")
    response = client_for(team.lead).post(
        reverse("review:duplicate_keep_other", args=[team.review.slug, pair.pk]),
        {"reason": "the PubMed copy has the abstract", "back": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    pair.refresh_from_db()
    assert (pair.record_id, pair.kept_id, pair.status) == (old_kept, old_record, PairStatus.MERGED)
    assert Record.objects.get(pk=old_record).duplicate_of_id is None
    assert Record.objects.get(pk=old_kept).duplicate_of_id == old_record
    assert Record.objects.get(pk=third.pk).duplicate_of_id == old_record
    event = AuditEvent.objects.get(action="duplicate.kept_swapped")
    assert event.reason == "the PubMed copy has the abstract"
    assert event.old_value == {"kept": old_kept, "merged": old_record}
    assert event.new_value == {"kept": old_record, "merged": old_kept, "also_moved": [third.pk]}
    followed = client_for(team.lead).get(back)
    assert KEPT_SWAPPED.format(kept=old_record, merged=old_kept) in _messages(followed)


@pytest.mark.parametrize("screened", ["kept", "record"])
def test_keeping_the_other_copy_is_refused_once_screening_started(client_for, team, source, screened):
    pair = _auto_merge(team, source, "Screened already")
    target = pair.kept if screened == "kept" else pair.record
    decision_record(review=team.review, record=target, stage=Stage.TITLE_ABSTRACT, reviewer=team.rev1,
                    vote="include")
    response = client_for(team.lead).post(
        reverse("review:duplicate_keep_other", args=[team.review.slug, pair.pk]), follow=True,
    )
    assert SWAP_AFTER_SCREENING.format(pk=target.pk) in _messages(response)
    pair.refresh_from_db()
    assert Record.objects.get(pk=pair.record_id).duplicate_of_id == pair.kept_id
    assert not AuditEvent.objects.filter(action="duplicate.kept_swapped").exists()


def test_keep_other_on_an_undone_merge_is_refused(team, source):
    from django.core.exceptions import ValidationError

    pair = _auto_merge(team, source, "Undone first")
    DuplicatePair.objects.filter(pk=pair.pk).update(status=PairStatus.UNMERGED)
    with pytest.raises(ValidationError) as exc:
        duplicate_keep_other(pair=pair, actor=team.lead)
    assert exc.value.messages == ["This pair is not a merge in force (Merge undone); reload the list."]


# The queue: choosing the kept copy, and addresses ------------------------------------------

def _pending(team, source, *titles, score=0.8):
    a, b = _records(team, source, *titles)
    return DuplicatePair.objects.create(review=team.review, record=b, kept=a, score=score,
                                        decision=PairDecision.MAYBE, reasons=["title=0.91", "year"])


def test_pair_page_offers_keep_this_one_for_each_side_to_the_lead_only(client_for, team, source):
    pair = _pending(team, source, "Left copy", "Right copy")
    url = reverse("review:duplicate_pair", args=[team.review.slug, pair.pk])
    page = client_for(team.lead).get(url).content.decode()
    assert page.count("Keep this one") == 2
    assert f'value="{pair.kept_id}" form="pair-decision" checked' in page
    assert "titles 91% alike, same year" in page
    assert "Keep this one" not in client_for(team.rev1).get(url).content.decode()


def test_lead_merges_keeping_the_copy_the_rules_would_have_merged(client_for, team, source):
    pair = _pending(team, source, "Older copy", "Newer copy")
    old_record, old_kept = pair.record_id, pair.kept_id
    client = client_for(team.lead)
    response = client.post(reverse("review:duplicate_decide", args=[team.review.slug, pair.pk]),
                           {"decision": "merge", "keep": str(old_record)}, follow=True)
    pair.refresh_from_db()
    assert (pair.record_id, pair.kept_id, pair.status) == (old_kept, old_record, PairStatus.MERGED)
    assert Record.objects.get(pk=old_kept).duplicate_of_id == old_record
    assert Record.objects.get(pk=old_record).duplicate_of_id is None
    assert f"Record {old_kept} merged into record {old_record}." in _messages(response)
    event = AuditEvent.objects.get(action="duplicate.merged")
    assert event.object_id == str(old_kept) and event.new_value["duplicate_of"] == old_record


def test_keeping_a_record_outside_the_pair_is_refused(client_for, team, source):
    pair = _pending(team, source, "One copy", "Other copy")
    (stranger,) = _records(team, source, "Unrelated")
    response = client_for(team.lead).post(reverse("review:duplicate_decide", args=[team.review.slug, pair.pk]),
                                          {"decision": "merge", "keep": str(stranger.pk)}, follow=True)
    assert NOT_IN_PAIR.format(pk=stranger.pk) in _messages(response)
    pair.refresh_from_db()
    assert pair.status == PairStatus.PENDING


def test_after_a_decision_the_address_is_the_next_pairs_own(client_for, team, source):
    first = _pending(team, source, "Likeliest a", "Likeliest b", score=0.9)
    second = _pending(team, source, "Next a", "Next b", score=0.7)
    client = client_for(team.lead)
    response = client.post(reverse("review:duplicate_decide", args=[team.review.slug, first.pk]),
                           {"decision": "distinct"})
    next_url = reverse("review:duplicate_pair", args=[team.review.slug, second.pk])
    assert response.status_code == 302 and response["Location"] == next_url
    shown = client.get(next_url)
    assert shown.context["pair"].pk == second.pk
    response = client.post(reverse("review:duplicate_decide", args=[team.review.slug, second.pk]),
                           {"decision": "merge"})
    assert response["Location"] == _list(team)


# Manual merge by search ---------------------------------------------------------------------

def _record_url(team, record, find=None):
    url = reverse("review:record_detail", args=[team.review.slug, record.pk])
    return url + (f"?find={find}" if find is not None else "")


def test_record_page_finds_the_other_copy_by_title_author_or_doi(client_for, team, source):
    (me,) = _records(team, source, "Subcutaneous immunoglobulin in myositis")
    (by_title,) = _records(team, source, "Subcutaneous immunoglobulin for inflammatory myositis",
                           authors=["Danieli MG"])
    (by_doi,) = _records(team, source, "A different title altogether", doi="10.1016/j.autrev.2022.103190")
    (gone,) = _records(team, source, "Subcutaneous immunoglobulin: merged copy")
    Record.objects.filter(pk=gone.pk).update(duplicate_of=by_title.pk)
    client = client_for(team.lead)

    def found(find):
        response = client.get(_record_url(team, me, find))
        return {r.pk for r in response.context["candidates"]}

    assert found("immunoglobulin subcutaneous") == {by_title.pk}  # all words, any order; not itself, not merged
    assert found("danieli") == {by_title.pk}
    assert found("https://doi.org/10.1016/J.AUTREV.2022.103190") == {by_doi.pk}
    assert found("10.1016/j.autrev") == {by_doi.pk}
    assert found("nothing like it") == set()
    page = client.get(_record_url(team, me, "danieli")).content.decode()
    assert f"Merge into record {by_title.pk}" in page and f'name="into" value="{by_title.pk}"' in page
    assert "Record number" not in page
    assert "No other record of this review in screening matches" in client.get(
        _record_url(team, me, "zzz")).content.decode()


def test_merge_picked_from_the_search_merges_and_is_audited(client_for, team, source):
    me, other = _records(team, source, "Copy from Embase", "Copy from PubMed")
    response = client_for(team.lead).post(reverse("review:record_merge", args=[team.review.slug, me.pk]),
                                          {"into": str(other.pk), "reason": "same trial"})
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.duplicate_of_id == other.pk
    assert AuditEvent.objects.get(action="duplicate.merged").new_value["duplicate_of"] == other.pk


def test_merge_search_is_for_the_lead_only_and_scoped_to_the_review(client_for, team, source):
    me, other = _records(team, source, "Scoped trial one", "Scoped trial two")
    page = client_for(team.rev1).get(_record_url(team, me, "Scoped")).content.decode()
    assert "Merge into record" not in page and 'name="find"' not in page
    assert client_for(team.outsider).get(_record_url(team, me, "Scoped")).status_code == 404
    merge = reverse("review:record_merge", args=[team.review.slug, me.pk])
    assert client_for(team.rev1).post(merge, {"into": str(other.pk)}).status_code == 403
    assert client_for(team.lead).get(merge).status_code == 405


def test_merge_search_takes_a_constant_number_of_queries(client_for, team, source, django_assert_num_queries):
    (me,) = _records(team, source, "Constant query trial")
    _records(team, source, "Constant query copy")
    client = client_for(team.lead)
    client.get(_record_url(team, me, "constant"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(_record_url(team, me, "constant"))
    _records(team, source, *[f"Constant query copy {i}" for i in range(5)])
    with django_assert_num_queries(len(one)):
        response = client.get(_record_url(team, me, "constant"))
    assert len(response.context["candidates"]) == 6
