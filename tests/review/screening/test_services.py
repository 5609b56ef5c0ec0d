"""Screening services: every transition, legal and illegal, with the exact error messages."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from review.models import (
    AuditEvent,
    Conflict,
    FullText,
    Record,
    RecordStage,
    ScreeningDecision,
    Study,
)
from review.models.screening import ConflictKind, ConflictStatus, Stage, StageStatus
from review.screening import services as svc
from review.services.reviews import member_add
from tests.review.screening.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def _row(record, stage=TA):
    return RecordStage.objects.get(record=record, stage=stage)


def _refused(message, func, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    assert info.value.messages == [message]


# Title and abstract -------------------------------------------------------------------

def test_first_vote_leaves_record_awaiting_the_second(team, records, vote):
    vote(records[0], team.rev1, "include")
    row = _row(records[0])
    assert (row.status, row.decision_count) == (StageStatus.AWAITING, 1)


def test_two_includes_advance_the_record_and_open_its_full_text_stage(team, records, vote):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")
    assert _row(records[0]).status == StageStatus.ADVANCED
    assert _row(records[0], FT).status == StageStatus.AWAITING


def test_maybe_counts_as_include_at_title_abstract(team, records, vote):
    vote(records[0], team.rev1, "maybe")
    vote(records[0], team.rev2, "include")
    assert _row(records[0]).status == StageStatus.ADVANCED


def test_two_excludes_exclude_the_record(team, records, vote):
    vote(records[0], team.rev1, "exclude")
    vote(records[0], team.rev2, "exclude")
    row = _row(records[0])
    assert row.status == StageStatus.EXCLUDED and row.exclusion_reason is None
    assert not RecordStage.objects.filter(record=records[0], stage=FT).exists()


def test_second_reviewer_disagreeing_opens_a_conflict(team, records, vote):
    vote(records[0], team.rev1, "maybe")
    vote(records[0], team.rev2, "exclude")
    assert _row(records[0]).status == StageStatus.CONFLICT
    conflict = Conflict.objects.get(record=records[0])
    assert (conflict.status, conflict.kind) == (ConflictStatus.OPEN, ConflictKind.VOTES)


def test_reviewer_changes_own_vote_until_the_others_are_in(team, records, vote):
    first = vote(records[0], team.rev1, "exclude", note="not myositis")
    changed = vote(records[0], team.rev1, "include", version=first.version)
    assert changed.pk == first.pk and changed.vote == "include" and changed.version == 2
    assert _row(records[0]).decision_count == 1
    event = AuditEvent.objects.get(action="screening.vote_changed")
    assert event.old_value["vote"] == "exclude" and event.new_value["vote"] == "include"


def test_votes_are_frozen_once_a_conflict_exists(team, records, vote):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    _refused(svc.VOTES_FROZEN, vote, records[0], team.rev1, "exclude")


def test_vote_after_the_outcome_is_refused(team, records, vote, make_user):
    third = make_user("tara_third")
    member_add(review=team.review, user=third, roles=["reviewer"], actor=team.lead)
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")
    _refused(svc.ALREADY_DECIDED, vote, records[0], third, "exclude")
    _refused(svc.ALREADY_DECIDED, vote, records[0], team.rev1, "exclude")


def test_vote_from_a_stale_page_is_refused(team, records, vote):
    vote(records[0], team.rev1, "include")
    _refused(svc.STALE_VOTE, vote, records[0], team.rev1, "exclude", version=0)
    vote(records[0], team.rev1, "exclude", version=1)
    _refused(svc.STALE_VOTE, vote, records[0], team.rev1, "include", version=1)
    _refused(svc.STALE_VOTE, vote, records[1], team.rev1, "include", version=3)


def test_merged_duplicate_is_never_screened(team, records, vote):
    records[1].duplicate_of = records[0]
    records[1].save()
    _refused(svc.MERGED_DUPLICATE, vote, records[1], team.rev1, "include")


def test_only_reviewers_vote(team, records, vote):
    _refused(svc.NOT_A_REVIEWER, vote, records[0], team.arbiter, "include")
    _refused(svc.NOT_A_REVIEWER, vote, records[0], team.outsider, "include")


def test_unknown_vote_and_stage_are_refused(team, records, vote):
    _refused(svc.UNKNOWN_VOTE, vote, records[0], team.rev1, "perhaps")
    _refused(svc.UNKNOWN_STAGE, vote, records[0], team.rev1, "include", stage="abstract")


def test_record_of_another_review_is_refused(team, records, make_user):
    from review.services.reviews import review_create

    other = review_create(title="Other", slug="other", lead=team.lead)
    _refused(svc.WRONG_REVIEW, svc.decision_record, review=other, record=records[0], stage=TA,
             reviewer=team.rev1, vote="include")


def test_exclusion_reasons_belong_to_full_text(team, records, vote, reasons):
    _refused(svc.REASON_NOT_ALLOWED, vote, records[0], team.rev1, "exclude", exclusion_reason=reasons[0])


def test_one_reviewer_per_record_is_enough_when_the_review_says_so(team, records, vote):
    team.review.ta_reviewers_per_record = 1
    team.review.save()
    vote(records[0], team.rev1, "exclude")
    assert _row(records[0]).status == StageStatus.EXCLUDED


def test_three_reviewers_per_record_wait_for_the_third_vote(team, records, vote, make_user):
    third = make_user("tara_third")
    member_add(review=team.review, user=third, roles=["reviewer"], actor=team.lead)
    team.review.ta_reviewers_per_record = 3
    team.review.save()
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")
    assert _row(records[0]).status == StageStatus.AWAITING
    vote(records[0], third, "maybe")
    assert _row(records[0]).status == StageStatus.ADVANCED


# Full text ----------------------------------------------------------------------------

def test_full_text_vote_before_advancing_is_refused(team, records, vote):
    _refused(svc.NOT_AT_FULL_TEXT, vote, records[0], team.rev1, "include", stage=FT)


def test_full_text_vote_needs_the_full_text(team, records, vote):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")
    _refused(svc.FULL_TEXT_MISSING, vote, records[0], team.rev1, "include", stage=FT)


def test_full_text_exclusion_needs_a_reason(team, records, vote, at_full_text):
    at_full_text(records[0])
    _refused(svc.REASON_REQUIRED, vote, records[0], team.rev1, "exclude", stage=FT)


def test_full_text_includes_when_all_include(team, records, vote, at_full_text):
    at_full_text(records[0])
    vote(records[0], team.rev1, "include", stage=FT)
    vote(records[0], team.rev2, "maybe", stage=FT)
    assert _row(records[0], FT).status == StageStatus.INCLUDED


def test_full_text_excludes_with_the_agreed_reason(team, records, vote, at_full_text, reasons):
    at_full_text(records[0])
    vote(records[0], team.rev1, "exclude", stage=FT, exclusion_reason=reasons[1])
    vote(records[0], team.rev2, "exclude", stage=FT, exclusion_reason=reasons[1])
    row = _row(records[0], FT)
    assert row.status == StageStatus.EXCLUDED and row.exclusion_reason == reasons[1]


def test_differing_reasons_go_to_the_arbiter_who_settles_the_reason(team, records, vote, at_full_text, reasons):
    at_full_text(records[0])
    vote(records[0], team.rev1, "exclude", stage=FT, exclusion_reason=reasons[0])
    vote(records[0], team.rev2, "exclude", stage=FT, exclusion_reason=reasons[4])
    conflict = Conflict.objects.get(record=records[0], stage=FT)
    assert conflict.kind == ConflictKind.REASONS
    _refused(svc.REASONS_CONFLICT_NEEDS_EXCLUDE, svc.conflict_resolve, conflict=conflict, arbiter=team.arbiter,
             outcome="include")
    _refused(svc.REASON_REQUIRED, svc.conflict_resolve, conflict=conflict, arbiter=team.arbiter, outcome="exclude")
    svc.conflict_resolve(conflict=conflict, arbiter=team.arbiter, outcome="exclude", exclusion_reason=reasons[4])
    row = _row(records[0], FT)
    assert row.status == StageStatus.EXCLUDED and row.exclusion_reason == reasons[4]


# Conflicts ----------------------------------------------------------------------------

@pytest.fixture
def conflict(team, records, vote):
    vote(records[0], team.rev1, "include", note="looks eligible")
    vote(records[0], team.rev2, "exclude", note="adults only")
    return Conflict.objects.get(record=records[0])


def test_arbiter_including_advances_the_record(team, records, conflict):
    resolution = svc.conflict_resolve(conflict=conflict, arbiter=team.arbiter, outcome="include", note="children too")
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED and conflict.closed_at is not None
    assert resolution.note == "children too"
    assert _row(records[0]).status == StageStatus.ADVANCED
    assert _row(records[0], FT).status == StageStatus.AWAITING
    assert AuditEvent.objects.filter(action="conflict.resolved", object_id=str(conflict.pk)).exists()


def test_arbiter_excluding_excludes_the_record(team, records, conflict):
    svc.conflict_resolve(conflict=conflict, arbiter=team.arbiter, outcome="exclude")
    assert _row(records[0]).status == StageStatus.EXCLUDED


def test_conflict_is_settled_once(team, conflict):
    svc.conflict_resolve(conflict=conflict, arbiter=team.arbiter, outcome="exclude")
    _refused(svc.CONFLICT_NOT_OPEN, svc.conflict_resolve, conflict=conflict, arbiter=team.arbiter, outcome="include")


def test_only_arbiters_settle_conflicts(team, conflict):
    _refused(svc.NOT_AN_ARBITER, svc.conflict_resolve, conflict=conflict, arbiter=team.rev1, outcome="include")
    _refused(svc.OUTCOME_UNKNOWN, svc.conflict_resolve, conflict=conflict, arbiter=team.arbiter, outcome="maybe")


def test_an_arbiter_who_voted_cannot_settle_the_conflict(team, records, vote):
    from review.models import Membership

    Membership.objects.filter(review=team.review, user=team.rev1).update(is_arbiter=True)
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    conflict = Conflict.objects.get(record=records[0])
    _refused(svc.ARBITER_VOTED, svc.conflict_resolve, conflict=conflict, arbiter=team.rev1, outcome="include")


# Send back ----------------------------------------------------------------------------

def test_lead_sends_a_conflict_back_and_the_votes_reset(team, records, conflict, vote):
    row = svc.record_send_back(record_stage=conflict.record_stage, actor=team.lead, reason="criteria clarified")
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.SENT_BACK
    assert (row.status, row.decision_count) == (StageStatus.AWAITING, 0)
    assert not ScreeningDecision.objects.filter(record=records[0]).exists()
    event = AuditEvent.objects.get(action="screening.sent_back")
    assert event.reason == "criteria clarified"
    assert {v["note"] for v in event.old_value["votes"]} == {"looks eligible", "adults only"}
    vote(records[0], team.rev1, "include")  # the reviewers decide again


def test_send_back_needs_the_lead_and_a_reason(team, conflict):
    _refused(svc.NOT_A_LEAD, svc.record_send_back, record_stage=conflict.record_stage, actor=team.arbiter, reason="x")
    _refused(svc.SEND_BACK_REASON_REQUIRED, svc.record_send_back, record_stage=conflict.record_stage,
             actor=team.lead, reason="  ")


def test_nothing_to_send_back_without_votes(team, records, vote):
    vote(records[0], team.rev1, "include")
    row = svc.record_send_back(record_stage=_row(records[0]), actor=team.lead, reason="typo")
    _refused(svc.NOTHING_TO_SEND_BACK, svc.record_send_back, record_stage=row, actor=team.lead, reason="again")


def test_sending_back_an_advanced_record_removes_its_untouched_full_text_stage(team, records, vote):
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")
    svc.record_send_back(record_stage=_row(records[0]), actor=team.lead, reason="re-screen")
    assert not RecordStage.objects.filter(record=records[0], stage=FT).exists()


def test_title_abstract_send_back_waits_for_full_text_to_be_sent_back_first(team, records, vote, at_full_text):
    at_full_text(records[0])
    vote(records[0], team.rev1, "include", stage=FT)
    _refused(svc.LATER_STAGE_STARTED, svc.record_send_back, record_stage=_row(records[0]), actor=team.lead,
             reason="re-screen")


# Full-text retrieval ------------------------------------------------------------------

def _advance(team, record, vote):
    vote(record, team.rev1, "include")
    vote(record, team.rev2, "include")


def test_attach_a_pdf_or_a_link(team, records, vote):
    _advance(team, records[0], vote)
    full_text = svc.fulltext_attach(record=records[0], actor=team.rev1, pdf=SimpleUploadedFile("p.pdf", PDF_BYTES))
    assert full_text.pdf.name.startswith("fulltexts/") and full_text.version == 1
    full_text = svc.fulltext_attach(record=records[0], actor=team.rev1, url="https://doi.org/10.1/x", version=1)
    assert full_text.url and not full_text.pdf and full_text.version == 2
    assert AuditEvent.objects.filter(action="fulltext.attached").count() == 2


def test_attach_refuses_what_is_not_a_pdf_or_too_large(team, records, vote, settings):
    _advance(team, records[0], vote)
    _refused(svc.NOT_A_PDF, svc.fulltext_attach, record=records[0], actor=team.rev1,
             pdf=SimpleUploadedFile("p.pdf", b"<html>"))
    settings.CONCORD_MAX_FULLTEXT_BYTES = 1024 * 1024
    _refused(svc.PDF_TOO_LARGE.format(limit_mb=1), svc.fulltext_attach, record=records[0], actor=team.rev1,
             pdf=SimpleUploadedFile("p.pdf", PDF_BYTES + b"0" * 1024 * 1024))
    _refused(svc.PDF_OR_LINK, svc.fulltext_attach, record=records[0], actor=team.rev1)
    _refused(svc.PDF_OR_LINK, svc.fulltext_attach, record=records[0], actor=team.rev1,
             pdf=SimpleUploadedFile("p.pdf", PDF_BYTES), url="https://example.org/")


def test_full_text_only_for_records_that_advanced(team, records):
    _refused(svc.NOT_ADVANCED, svc.fulltext_attach, record=records[0], actor=team.rev1, url="https://example.org/")
    _refused(svc.NOT_ADVANCED, svc.fulltext_mark_not_retrieved, record=records[0], actor=team.rev1, reason="x")


def test_not_retrieved_needs_a_reason_and_leaves_the_queue_until_attached(team, records, vote):
    _advance(team, records[0], vote)
    _refused(svc.NOT_RETRIEVED_REASON_REQUIRED, svc.fulltext_mark_not_retrieved, record=records[0],
             actor=team.rev1, reason="")
    svc.fulltext_mark_not_retrieved(record=records[0], actor=team.rev1, reason="library has no access")
    assert _row(records[0], FT).status == StageStatus.NOT_RETRIEVED
    svc.fulltext_attach(record=records[0], actor=team.lead, url="https://example.org/found", version=1)
    assert _row(records[0], FT).status == StageStatus.AWAITING


def test_not_retrieved_refused_once_full_text_screening_started(team, records, vote, at_full_text):
    at_full_text(records[0])
    vote(records[0], team.rev1, "include", stage=FT)
    _refused(svc.FULL_TEXT_STARTED, svc.fulltext_mark_not_retrieved, record=records[0], actor=team.rev1,
             reason="lost")


def test_full_text_edit_from_a_stale_page_is_refused(team, records, vote):
    _advance(team, records[0], vote)
    svc.fulltext_attach(record=records[0], actor=team.rev1, url="https://example.org/a", version=0)
    _refused(svc.STALE_FULL_TEXT, svc.fulltext_attach, record=records[0], actor=team.rev2,
             url="https://example.org/b", version=0)
    assert FullText.objects.get(record=records[0]).url == "https://example.org/a"


def test_arbiters_do_not_fetch_papers(team, records, vote):
    _advance(team, records[0], vote)
    _refused(svc.NOT_A_REVIEWER, svc.fulltext_attach, record=records[0], actor=team.arbiter, url="https://e.org/")


# Studies ------------------------------------------------------------------------------

def test_lead_groups_included_reports_into_a_study(team, records, vote, at_full_text):
    for record in records[:2]:
        at_full_text(record)
        vote(record, team.rev1, "include", stage=FT)
        vote(record, team.rev2, "include", stage=FT)
    defaults = {r.pk: Record.objects.get(pk=r.pk).study_id for r in records[:2]}
    assert all(defaults.values())  # each included report got a study of its own
    study = svc.study_link(record=records[0], actor=team.lead, label="Lim 2020", expected_version=None)
    assert svc.study_link(record=records[1], actor=team.lead, study=study, expected_version=None) == study
    assert set(study.reports.all()) == {records[0], records[1]}
    assert AuditEvent.objects.filter(action="study.linked", actor_username="lena_lead").count() == 2
    # The default studies left empty went (audited); nothing used them.
    assert not Study.objects.filter(pk__in=defaults.values()).exists()
    assert AuditEvent.objects.filter(action="study.removed").count() == 2


def test_only_included_reports_join_studies_and_only_the_lead_links(team, records):
    _refused(svc.NOT_INCLUDED, svc.study_link, record=records[0], actor=team.lead, label="Lim 2020", expected_version=None)
    _refused(svc.NOT_A_LEAD, svc.study_link, record=records[0], actor=team.rev1, label="Lim 2020", expected_version=None)


# Audit and constraints ----------------------------------------------------------------

def test_every_judgement_is_audited(team, records, conflict):
    actions = list(AuditEvent.objects.filter(review=team.review).values_list("action", flat=True))
    assert actions.count("screening.vote_cast") == 2
    assert "conflict.opened" in actions


def test_database_refuses_a_second_decision_by_the_same_reviewer(team, records, vote):
    first = vote(records[0], team.rev1, "include")
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningDecision.objects.create(
            review=team.review, record_stage=first.record_stage, record=records[0], stage=TA, reviewer=team.rev1,
            vote="exclude",
            created_at=now, updated_at=now,
        )


def test_database_refuses_a_full_text_exclusion_without_reason(team, records, vote, at_full_text):
    at_full_text(records[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordStage.objects.filter(record=records[0], stage=FT).update(status=StageStatus.EXCLUDED)


def test_database_refuses_two_open_conflicts_on_one_record_stage(team, conflict):
    with pytest.raises(IntegrityError), transaction.atomic():
        Conflict.objects.create(record_stage=conflict.record_stage, record=conflict.record, stage=TA,
                                created_at=timezone.now())


def test_lowering_reviewers_per_record_settles_records_that_have_enough_votes(team):
    from review.models import Record
    from review.models.screening import RecordStage, Stage, StageStatus
    from review.screening.services import decision_record, stages_sync
    from review.services.imports import import_records
    from review.services.reviews import review_update
    from review.services.sources import source_create

    src = source_create(review=team.review, actor=team.lead, name="Embase")
    data = b"TY  - JOUR\nTI  - Only trial\nER  - \n"
    import_records(review=team.review, source=src, filename="one.ris", data=data, actor=team.lead)
    record = Record.objects.get(review=team.review, title="Only trial")
    stages_sync(review=team.review)
    decision_record(review=team.review, record=record, stage=Stage.TITLE_ABSTRACT, reviewer=team.rev1, vote="include")
    row = RecordStage.objects.get(record=record, stage=Stage.TITLE_ABSTRACT)
    assert row.status == StageStatus.AWAITING
    review_update(review=team.review, actor=team.lead, version=team.review.version, ta_reviewers_per_record=1)
    row.refresh_from_db()
    assert row.status == StageStatus.ADVANCED
