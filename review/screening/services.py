"""Screening: votes, outcomes, conflicts, send-backs, full-text retrieval and studies.

Every service locks the record's ``RecordStage`` row first: two reviewers voting on the same
record at the same moment queue on that lock, both votes land, and the outcome is computed
by whichever transaction brings the count to N, exactly once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from review import study_locks
from review.models import (
    Conflict,
    ExclusionReason,
    FullText,
    Membership,
    Record,
    RecordStage,
    Resolution,
    Review,
    ScreeningDecision,
    Study,
)
from review.models.fulltext import RetrievalStatus
from review.models.screening import (
    TITLE_KEY_LENGTH,
    YEAR_KEY_MISSING,
    ConflictKind,
    ConflictStatus,
    Stage,
    StageStatus,
    Vote,
)
from review.screening import retraining, studies
from review.services.audit import audit_record
from review.services.versions import check_version

NOT_A_REVIEWER = "Only reviewers of this review can screen its records."
NOT_AN_ARBITER = "Only arbiters of this review can settle conflicts."
NOT_A_LEAD = "Only a lead of this review can do this."
WRONG_REVIEW = "This record belongs to another review."
MERGED_DUPLICATE = "This record was merged into another one as a duplicate: screen that one instead."
UNKNOWN_VOTE = "Choose include, exclude or maybe."
MAYBE_NOT_ALLOWED = "The lead has turned maybe off in this review: choose include or exclude."
UNKNOWN_STAGE = "Unknown screening stage."
REASON_REQUIRED = "Choose a reason for excluding this full text."
REASON_NOT_ALLOWED = "Exclusion reasons are given at full text only."
REASON_UNKNOWN = "Choose a reason from this review's list."
NOT_AT_FULL_TEXT = "This record has not advanced to full-text screening."
FULL_TEXT_MISSING = "Attach the full text (a PDF or a link) before screening it."
ALREADY_DECIDED = "This record already has all its votes and an outcome: it can no longer be changed."
SCREENING_STOPPED = "The lead stopped screening this record's stage; it is back in the queue only if they bring it back."
VOTES_FROZEN = "The votes on this record are in conflict and frozen until the arbiter settles it."
STALE_VOTE = "Your vote on this record was changed elsewhere since you opened the page. Reload and try again."
NOTHING_TO_WITHDRAW = "You have no vote on this record to take back: it may have been taken back in another tab. Reload the page."
WITHDRAW_SETTLED = (
    "{votes_in}, so this record has settled: your vote can no longer be taken back. If it must change, ask the"
    " lead to send the record back to its reviewers."
)
WITHDRAW_IN_CONFLICT = (
    "{votes_in} and they disagree, so this record waits for the arbiter: your vote can no longer be taken back."
    " Ask the arbiter to settle it."
)
WITHDRAW_RESOLVED = (
    "The arbiter has settled this record's conflict: your vote can no longer be taken back. If it must change,"
    " ask the lead to send the record back to its reviewers."
)
CONFLICT_NOT_OPEN = "This conflict is no longer open."
ARBITER_VOTED = "You voted on this record: another arbiter must settle it."
OUTCOME_UNKNOWN = "Choose include or exclude."
REASONS_CONFLICT_NEEDS_EXCLUDE = "All reviewers excluded this record: settle which reason applies."
SEND_BACK_REASON_REQUIRED = "Say why the record goes back to its reviewers."
NOTHING_TO_SEND_BACK = "This record has no votes to send back."
LATER_STAGE_STARTED = "Full-text screening of this record has started: send that stage back first."
NOT_ADVANCED = "Only records that advanced past title/abstract screening need a full text."
PDF_TOO_LARGE = "The PDF is larger than the {limit_mb} MB limit."
NOT_A_PDF = "The file is not a PDF."
PDF_OR_LINK = "Attach a PDF or give a link (one of the two)."
NOT_RETRIEVED_REASON_REQUIRED = "Say why the full text could not be retrieved."
FULL_TEXT_STARTED = "Full-text screening of this record has started: it cannot be marked not retrieved."
STALE_FULL_TEXT = "The full text of this record was changed by someone else since you opened the page. Reload and try again."
NOT_INCLUDED = "Only records included at full text are grouped into studies."
STUDY_LABEL_REQUIRED = "Give the study a label, for example 'Lim 2020'."

DEFAULT_MAX_FULLTEXT_BYTES = 50 * 1024 * 1024
ANALYZE_AFTER = 1000

# At title/abstract "maybe" means "let the full text decide", so it counts as include.
INCLUDING_VOTES = {Vote.INCLUDE, Vote.MAYBE}


def _now() -> dt.datetime:
    return timezone.now()


def shuffle_key(record_id: int) -> int:
    """A fixed pseudo-random 63-bit key per record: the random queue's index order."""
    return int.from_bytes(hashlib.blake2b(str(record_id).encode(), digest_size=8).digest(), "big") >> 1


_SPACES = re.compile(r"\s+")
_LEADING_PUNCTUATION = re.compile(r"^\W+")


def queue_keys(record_id: int, year: int | None, title: str) -> dict:
    """A record's keys for the three queue orders, as stored on each of its stage rows.

    Newest first with undated records last is ascending ``year_key``; titles sort without
    regard to case, runs of spaces or a leading bracket or quote ("[Translated title]").
    """
    title_key = _LEADING_PUNCTUATION.sub("", _SPACES.sub(" ", (title or "").casefold()).strip())
    return {
        "shuffle": shuffle_key(record_id),
        "year_key": YEAR_KEY_MISSING if year is None else -year,
        "title_key": title_key[:TITLE_KEY_LENGTH].rstrip(),
    }


def stages_missing(review: Review) -> bool:
    """True when some record of the review has no title/abstract row yet (new imports)."""
    # Rows exist only for the review's own records, one per record, so equal counts mean none is missing.
    return Record.objects.filter(review=review).count() != RecordStage.objects.filter(
        review=review, stage=Stage.TITLE_ABSTRACT
    ).count()


def stages_sync(*, review: Review) -> int:
    """Give every record of the review its title/abstract row, so the queue is one index walk.

    Bookkeeping, not a judgement: nothing is audited. Two requests syncing at once both
    succeed; the second one's rows are ignored as conflicts.
    """
    missing = (
        Record.objects.filter(review=review)
        .exclude(Exists(RecordStage.objects.filter(record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT)))
        .values_list("id", "year", "title")
    )
    rows = [
        RecordStage(review=review, record_id=pk, stage=Stage.TITLE_ABSTRACT, **queue_keys(pk, year, title))
        for pk, year, title in missing.iterator(chunk_size=5000)
    ]
    RecordStage.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    if len(rows) > ANALYZE_AFTER and connection.vendor == "postgresql":
        # Until autovacuum notices, PostgreSQL plans the queue on statistics that predate
        # these rows and walks every vote of the reviewer per candidate (seconds at 100,000).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(RecordStage._meta.db_table)}")
    return len(rows)


def reviewers_needed(review: Review, stage: str) -> int:
    return review.ta_reviewers_per_record if stage == Stage.TITLE_ABSTRACT else review.ft_reviewers_per_record


def _require_role(review: Review, user, flag: str, message: str) -> None:
    if not Membership.active.filter(review=review, user=user, **{flag: True}).exists():
        raise ValidationError(message)


def _check_record(review: Review, record: Record) -> None:
    if record.review_id != review.pk:
        raise ValidationError(WRONG_REVIEW)
    if record.duplicate_of_id is not None:
        raise ValidationError(MERGED_DUPLICATE)


def _reason_for(review: Review, stage: str, vote: str, reason: ExclusionReason | None):
    if stage == Stage.TITLE_ABSTRACT:
        if reason is not None:
            raise ValidationError(REASON_NOT_ALLOWED)
        return None
    if vote != Vote.EXCLUDE:
        return None
    if reason is None:
        raise ValidationError(REASON_REQUIRED)
    if reason.review_id != review.pk or not reason.active:
        raise ValidationError(REASON_UNKNOWN)
    return reason


def _lock_stage(record: Record, stage: str) -> RecordStage:
    # The row almost always exists (the queue page synced it): lock it first, create it only if not.
    row = RecordStage.objects.select_for_update().filter(record=record, stage=stage).first()
    if row is None and stage == Stage.TITLE_ABSTRACT:
        # get_or_create retries in a savepoint if a colleague's first vote created the row first.
        RecordStage.objects.get_or_create(
            record=record, stage=stage,
            defaults={"review_id": record.review_id, **queue_keys(record.pk, record.year, record.title)},
        )
        row = RecordStage.objects.select_for_update().filter(record=record, stage=stage).first()
    if row is None:
        raise ValidationError(NOT_AT_FULL_TEXT)
    return row


def _stage_audit(row: RecordStage) -> dict:
    return {
        "record": row.record_id, "stage": row.stage, "status": row.status,
        "exclusion_reason": row.exclusion_reason.label if row.exclusion_reason_id else None,
    }


def _finish(row: RecordStage, *, status: str, reason: ExclusionReason | None, actor, review: Review, now) -> None:
    """Set the stage's outcome; a record advancing past title/abstract gets its full-text stage."""
    row.status = status
    row.exclusion_reason = reason
    row.decided_at = now
    if status == StageStatus.ADVANCED:
        RecordStage.objects.get_or_create(
            record_id=row.record_id, stage=Stage.FULL_TEXT,
            # The same record, so the same keys: copied rather than read from the record again.
            defaults={"review_id": row.review_id, "shuffle": row.shuffle, "year_key": row.year_key,
                      "title_key": row.title_key},
        )
    audit_record(action="screening.outcome", actor=actor, review=review, obj=row, new=_stage_audit(row))
    if row.stage == Stage.FULL_TEXT and status == StageStatus.INCLUDED:
        studies.study_for_report(record_id=row.record_id, review=review, actor=actor)
    if row.stage == Stage.TITLE_ABSTRACT:
        retraining.after_settle(review=review, status=status)


def _compute_outcome(row: RecordStage, *, review: Review, actor, now) -> None:
    decisions = list(row.decisions.all())
    votes = {d.vote for d in decisions}
    if votes <= INCLUDING_VOTES:
        status = StageStatus.ADVANCED if row.stage == Stage.TITLE_ABSTRACT else StageStatus.INCLUDED
        _finish(row, status=status, reason=None, actor=actor, review=review, now=now)
        return
    kind = ConflictKind.VOTES
    if votes == {Vote.EXCLUDE}:
        reasons = {d.exclusion_reason_id for d in decisions}
        if row.stage == Stage.TITLE_ABSTRACT or len(reasons) == 1:
            reason = decisions[0].exclusion_reason if row.stage == Stage.FULL_TEXT else None
            _finish(row, status=StageStatus.EXCLUDED, reason=reason, actor=actor, review=review, now=now)
            return
        kind = ConflictKind.REASONS
    row.status = StageStatus.CONFLICT
    conflict = Conflict.objects.create(
        record_stage=row, record_id=row.record_id, stage=row.stage, kind=kind, created_at=now
    )
    audit_record(
        action="conflict.opened", actor=actor, review=review, obj=conflict,
        new={"record": row.record_id, "stage": row.stage, "kind": kind},
    )


def stages_resettle(*, review: Review, actor) -> int:
    """After the lead lowers the number of reviewers per record, settle the records that
    already hold enough votes; otherwise nothing would ever settle them."""
    settled = 0
    now = _now()
    for stage in Stage.values:
        needed = reviewers_needed(review, stage)
        waiting = RecordStage.objects.filter(
            review=review, stage=stage, status=StageStatus.AWAITING, decision_count__gte=needed
        ).values_list("pk", flat=True)
        # Every row is locked before the first audit event takes the review's chain head: a
        # vote holds its row and then waits for the head, so the other order would deadlock.
        for row in list(RecordStage.objects.select_for_update().filter(pk__in=list(waiting)).order_by("pk")):
            if row.status == StageStatus.AWAITING and row.decision_count >= needed:
                _compute_outcome(row, review=review, actor=actor, now=now)
                row.save()
                settled += 1
    return settled


def _decision_audit(decision: ScreeningDecision) -> dict:
    return {
        "record": decision.record_id, "stage": decision.stage, "reviewer": decision.reviewer.username,
        "vote": decision.vote, "note": decision.note, "labels": decision.labels,
        "exclusion_reason": decision.exclusion_reason.label if decision.exclusion_reason_id else None,
    }


@transaction.atomic
def decision_record(
    *,
    review: Review,
    record: Record,
    stage: str,
    reviewer,
    vote: str,
    note: str = "",
    labels: list[str] | None = None,
    exclusion_reason: ExclusionReason | None = None,
    version: int | None = None,
) -> ScreeningDecision:
    """Cast or change one reviewer's vote; with the N-th vote in, settle the outcome.

    ``version`` is what the reviewer's page last saw: 0 for "no vote yet", otherwise the
    version of their vote. ``None`` skips the check (scripts, tests).
    """
    if stage not in Stage.values:
        raise ValidationError(UNKNOWN_STAGE)
    if vote not in Vote.values:
        raise ValidationError(UNKNOWN_VOTE)
    if vote == Vote.MAYBE and not review.allow_maybe:
        raise ValidationError(MAYBE_NOT_ALLOWED)
    _check_record(review, record)
    _require_role(review, reviewer, "is_reviewer", NOT_A_REVIEWER)
    reason = _reason_for(review, stage, vote, exclusion_reason)
    if stage == Stage.FULL_TEXT and not FullText.objects.filter(
        record=record, status=RetrievalStatus.RETRIEVED
    ).exists():
        raise ValidationError(FULL_TEXT_MISSING if _at_full_text(record) else NOT_AT_FULL_TEXT)
    row = _lock_stage(record, stage)
    if row.status == StageStatus.CONFLICT:
        raise ValidationError(VOTES_FROZEN)
    if row.status == StageStatus.AUTOMATION_EXCLUDED:
        raise ValidationError(SCREENING_STOPPED)
    if row.status != StageStatus.AWAITING:
        raise ValidationError(ALREADY_DECIDED)
    now = _now()
    labels = [str(label).strip()[:50] for label in (labels or []) if str(label).strip()]
    decision = (
        ScreeningDecision.objects.select_related("exclusion_reason", "reviewer")
        .filter(record=record, stage=stage, reviewer=reviewer).first()
    )
    if decision is not None:
        if version is not None and version != decision.version:
            raise ValidationError(STALE_VOTE)
        old = _decision_audit(decision)
        decision.vote, decision.note, decision.labels = vote, note, labels
        decision.exclusion_reason = reason
        decision.updated_at = now
        decision.version += 1
        decision.full_clean(exclude=["review", "record_stage", "record", "reviewer"], validate_constraints=False)
        decision.save()
        audit_record(action="screening.vote_changed", actor=reviewer, review=review, obj=decision,
                     old=old, new=_decision_audit(decision))
    else:
        if version:
            raise ValidationError(STALE_VOTE)
        decision = ScreeningDecision(
            review_id=row.review_id, record_stage=row, record=record, stage=stage, reviewer=reviewer, vote=vote, note=note,
            labels=labels, exclusion_reason=reason, created_at=now, updated_at=now,
        )
        decision.full_clean(exclude=["review", "record_stage", "record", "reviewer"], validate_constraints=False)
        decision.save()
        row.decision_count += 1
        audit_record(action="screening.vote_cast", actor=reviewer, review=review, obj=decision,
                     new=_decision_audit(decision))
        if row.decision_count >= reviewers_needed(review, stage):
            _compute_outcome(row, review=review, actor=reviewer, now=now)
    row.version += 1
    row.save()
    return decision


def _votes_in(needed: int) -> str:
    if needed == 1:
        return "The one vote it needs is in"
    return "Both votes are in" if needed == 2 else f"All {needed} votes are in"


def withdrawal_refusal(row: RecordStage, needed: int) -> str:
    """Why a vote on this stage row can no longer be taken back, or "" while it can.

    The same words on the screening page and in the service's refusal. Only ever shown to
    a reviewer whose own vote is in (DESIGN.md invariant 1): the service looks for their
    vote first, so someone without one learns nothing about the row from a refusal.
    """
    if row.status == StageStatus.AWAITING:
        return ""
    if row.status == StageStatus.AUTOMATION_EXCLUDED:
        return SCREENING_STOPPED
    if row.status == StageStatus.CONFLICT:
        return WITHDRAW_IN_CONFLICT.format(votes_in=_votes_in(needed))
    # A resolution stamps its conflict's closing and the row's outcome with the same time,
    # which tells an arbiter's settlement from a later agreement after a send-back.
    if row.decided_at and row.conflicts.filter(status=ConflictStatus.RESOLVED, closed_at=row.decided_at).exists():
        return WITHDRAW_RESOLVED
    return WITHDRAW_SETTLED.format(votes_in=_votes_in(needed))


@transaction.atomic
def decision_withdraw(
    *, review: Review, record: Record, stage: str, reviewer, version: int | None = None
) -> ScreeningDecision:
    """Take back one reviewer's own vote on a record still waiting for its votes.

    The vote goes and the record is back in the reviewer's queue, unvoted. Nothing counts
    it any more: the outcome needs its N votes again, and the ranking learns from the votes
    that exist (review.screening.retraining). What it was stays in the audit log, as a
    send-back's votes do. ``version`` is the version of the vote the page showed; ``None``
    skips the check. Returns the vote taken back, no longer stored, with its stage row as
    it now is.
    """
    if stage not in Stage.values:
        raise ValidationError(UNKNOWN_STAGE)
    _check_record(review, record)
    _require_role(review, reviewer, "is_reviewer", NOT_A_REVIEWER)
    # The lock every vote on the record takes, so a colleague's vote landing at this moment
    # either settles the record first (and this is refused) or counts without this one.
    row = RecordStage.objects.select_for_update().filter(record=record, stage=stage).first()
    decision = None
    if row is not None:
        decision = (
            ScreeningDecision.objects.select_related("exclusion_reason", "reviewer")
            .filter(record_stage=row, reviewer=reviewer).first()
        )
    if decision is None:
        raise ValidationError(NOTHING_TO_WITHDRAW)
    refusal = withdrawal_refusal(row, reviewers_needed(review, stage))
    if refusal:
        raise ValidationError(refusal)
    if version is not None and version != decision.version:
        raise ValidationError(STALE_VOTE)
    audit_record(action="screening.vote_withdrawn", actor=reviewer, review=review, obj=decision,
                 old=_decision_audit(decision),
                 new={"record": row.record_id, "stage": row.stage, "reviewer": reviewer.username})
    decision.delete()
    row.decision_count -= 1
    row.version += 1
    row.save()
    decision.record_stage = row  # the page serves the record again from its row
    return decision


def _at_full_text(record: Record) -> bool:
    return RecordStage.objects.filter(record=record, stage=Stage.FULL_TEXT).exists()


@transaction.atomic
def conflict_resolve(
    *, conflict: Conflict, arbiter, outcome: str, note: str = "", exclusion_reason: ExclusionReason | None = None
) -> Resolution:
    row = RecordStage.objects.select_for_update().select_related("review").get(pk=conflict.record_stage_id)
    review = row.review
    conflict = Conflict.objects.get(pk=conflict.pk)
    _require_role(review, arbiter, "is_arbiter", NOT_AN_ARBITER)
    if conflict.status != ConflictStatus.OPEN:
        raise ValidationError(CONFLICT_NOT_OPEN)
    if row.decisions.filter(reviewer=arbiter).exists():
        raise ValidationError(ARBITER_VOTED)
    if outcome not in (Vote.INCLUDE, Vote.EXCLUDE):
        raise ValidationError(OUTCOME_UNKNOWN)
    if conflict.kind == ConflictKind.REASONS and outcome != Vote.EXCLUDE:
        raise ValidationError(REASONS_CONFLICT_NEEDS_EXCLUDE)
    reason = _reason_for(review, row.stage, outcome, exclusion_reason)
    now = _now()
    resolution = Resolution.objects.create(
        conflict=conflict, arbiter=arbiter, outcome=outcome, exclusion_reason=reason, note=note, created_at=now
    )
    conflict.status, conflict.closed_at = ConflictStatus.RESOLVED, now
    conflict.save(update_fields=["status", "closed_at"])
    audit_record(
        action="conflict.resolved", actor=arbiter, review=review, obj=conflict,
        old={"status": ConflictStatus.OPEN},
        new={"record": row.record_id, "stage": row.stage, "outcome": outcome, "note": note,
             "exclusion_reason": reason.label if reason else None},
    )
    if outcome == Vote.EXCLUDE:
        status = StageStatus.EXCLUDED
    else:
        status = StageStatus.ADVANCED if row.stage == Stage.TITLE_ABSTRACT else StageStatus.INCLUDED
    _finish(row, status=status, reason=reason, actor=arbiter, review=review, now=now)
    row.version += 1
    row.save()
    return resolution


@transaction.atomic
def record_send_back(*, record_stage: RecordStage, actor, reason: str) -> RecordStage:
    """Reset a stage's votes so its reviewers decide again; the old votes stay in the audit log."""
    row = RecordStage.objects.select_for_update().select_related("review").get(pk=record_stage.pk)
    review = row.review
    _require_role(review, actor, "is_lead", NOT_A_LEAD)
    if not reason.strip():
        raise ValidationError(SEND_BACK_REASON_REQUIRED)
    if row.decision_count == 0:
        raise ValidationError(NOTHING_TO_SEND_BACK)
    study_locks.refuse_if_locked(Record.objects.filter(pk=row.record_id).values_list("study_id", flat=True).first())
    if row.stage == Stage.TITLE_ABSTRACT:
        later = RecordStage.objects.select_for_update().filter(record_id=row.record_id, stage=Stage.FULL_TEXT).first()
        if later is not None:
            if later.decision_count or later.status != StageStatus.AWAITING:
                raise ValidationError(LATER_STAGE_STARTED)
            later.delete()
    now = _now()
    old = _stage_audit(row)
    old["votes"] = [_decision_audit(d) for d in row.decisions.select_related("reviewer", "exclusion_reason")]
    row.conflicts.filter(status=ConflictStatus.OPEN).update(status=ConflictStatus.SENT_BACK, closed_at=now)
    row.decisions.all().delete()
    row.status, row.exclusion_reason, row.decided_at = StageStatus.AWAITING, None, None
    row.decision_count = 0
    row.version += 1
    row.save()
    audit_record(action="screening.sent_back", actor=actor, review=review, obj=row, old=old,
                 new=_stage_audit(row), reason=reason)
    return row


def _lock_full_text_stage(record: Record) -> RecordStage:
    row = RecordStage.objects.select_for_update().filter(record=record, stage=Stage.FULL_TEXT).first()
    if row is None or record.duplicate_of_id is not None:
        raise ValidationError(NOT_ADVANCED)
    return row


def _check_full_text_version(record: Record, version: int | None) -> FullText | None:
    full_text = FullText.objects.filter(record=record).first()
    current = full_text.version if full_text else 0
    if version is not None and version != current:
        raise ValidationError(STALE_FULL_TEXT)
    return full_text


def _check_pdf(pdf) -> None:
    limit = getattr(settings, "CONCORD_MAX_FULLTEXT_BYTES", DEFAULT_MAX_FULLTEXT_BYTES)
    if pdf.size > limit:
        raise ValidationError(PDF_TOO_LARGE.format(limit_mb=limit // (1024 * 1024)))
    pdf.seek(0)
    head = pdf.read(5)
    pdf.seek(0)
    if head != b"%PDF-":
        raise ValidationError(NOT_A_PDF)


def _full_text_audit(full_text: FullText | None) -> dict | None:
    if full_text is None:
        return None
    return {"status": full_text.status, "pdf": full_text.pdf.name, "url": full_text.url, "reason": full_text.reason}


@transaction.atomic
def fulltext_attach(*, record: Record, actor, pdf=None, url: str = "", version: int | None = None) -> FullText:
    row = _lock_full_text_stage(record)
    _require_retriever(row.review, actor)
    if (pdf is None) == (not url):
        raise ValidationError(PDF_OR_LINK)
    if pdf is not None:
        _check_pdf(pdf)
    full_text = _check_full_text_version(record, version)
    old = _full_text_audit(full_text)
    if full_text is None:
        full_text = FullText(record=record)
    elif full_text.pdf:
        full_text.pdf.delete(save=False)
    full_text.status, full_text.url, full_text.reason = RetrievalStatus.RETRIEVED, url, ""
    full_text.pdf = pdf or ""
    full_text.updated_by, full_text.updated_at = actor, _now()
    full_text.version = (full_text.version or 0) + 1 if full_text.pk else 1
    full_text.full_clean(exclude=["record", "pdf"])
    full_text.save()
    if row.status == StageStatus.NOT_RETRIEVED:
        row.status = StageStatus.AWAITING
        row.version += 1
        row.save()
    audit_record(action="fulltext.attached", actor=actor, review=row.review, obj=full_text, old=old,
                 new=_full_text_audit(full_text))
    return full_text


@transaction.atomic
def fulltext_mark_not_retrieved(*, record: Record, actor, reason: str, version: int | None = None) -> FullText:
    row = _lock_full_text_stage(record)
    _require_retriever(row.review, actor)
    if not reason.strip():
        raise ValidationError(NOT_RETRIEVED_REASON_REQUIRED)
    if row.decision_count or row.status not in (StageStatus.AWAITING, StageStatus.NOT_RETRIEVED):
        raise ValidationError(FULL_TEXT_STARTED)
    full_text = _check_full_text_version(record, version)
    old = _full_text_audit(full_text)
    if full_text is None:
        full_text = FullText(record=record, version=0)
    elif full_text.pdf:
        full_text.pdf.delete(save=False)
    full_text.status, full_text.reason, full_text.url, full_text.pdf = RetrievalStatus.NOT_RETRIEVED, reason, "", ""
    full_text.updated_by, full_text.updated_at = actor, _now()
    full_text.version += 1
    full_text.save()
    row.status = StageStatus.NOT_RETRIEVED
    row.version += 1
    row.save()
    audit_record(action="fulltext.not_retrieved", actor=actor, review=row.review, obj=full_text, old=old,
                 new=_full_text_audit(full_text), reason=reason)
    return full_text


def _require_retriever(review: Review, user) -> None:
    # Fetching papers is clerical work: the lead or any reviewer may do it.
    if not Membership.active.filter(review=review, user=user).filter(
        Q(is_lead=True) | Q(is_reviewer=True)
    ).exists():
        raise ValidationError(NOT_A_REVIEWER)


@transaction.atomic
def study_link(
    *, record: Record, actor, study: Study | None = None, label: str = "", expected_version: int | None
) -> Study:
    """Group an included report into a study, creating the study from ``label`` if needed.

    The version of a link is the id of the study the page showed the report in (0 for none): the
    link is the whole state being edited, so a changed link is a changed version.
    """
    review = record.review
    _require_role(review, actor, "is_lead", NOT_A_LEAD)
    record = Record.objects.select_for_update().get(pk=record.pk)
    check_version(record.study_id or 0, expected_version)
    if not RecordStage.objects.filter(record=record, stage=Stage.FULL_TEXT, status=StageStatus.INCLUDED).exists():
        raise ValidationError(NOT_INCLUDED)
    if study is None:
        label = label.strip()
        if not label:
            raise ValidationError(STUDY_LABEL_REQUIRED)
        study, created = Study.objects.get_or_create(review=review, label=label, defaults={"created_by": actor})
        if created:
            audit_record(action="study.created", actor=actor, review=review, obj=study, new={"label": label})
    elif study.review_id != review.pk:
        raise ValidationError(WRONG_REVIEW)
    study_locks.refuse_if_locked(record.study_id)
    study_locks.refuse_if_locked(study.pk)
    old = record.study.label if record.study_id else None
    left = record.study_id if record.study_id != study.pk else None
    record.study = study
    record.save(update_fields=["study"])
    audit_record(action="study.linked", actor=actor, review=review, obj=record, old={"study": old},
                 new={"record": record.pk, "study": study.label})
    studies.drop_if_left_empty(study_id=left, review=review, actor=actor)
    return study
