"""Stopping title/abstract screening on the lead's decision, and bringing the records back.

Records left unscreened are never deleted and keep the votes already cast: their stage rows
take the status AUTOMATION_EXCLUDED, which PRISMA 2020 reports as "marked as ineligible by
automation tools", and which "bring back" returns to AWAITING.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from review.models import Membership, RecordStage, Review, ScreeningStop
from review.models.screening import Stage, StageStatus
from review.screening.stopping_status import stop_in_force, stopping_status
from review.services.audit import audit_record

NOT_A_LEAD = "Only a lead of this review can stop screening or bring records back."
NOT_STARTED = "Prioritised screening has not started yet: the stopping rule has nothing to test."
ALREADY_STOPPED = "Screening is stopped already."
NOT_STOPPED = "Screening is not stopped: there is nothing to bring back."
STALE_STATISTIC = (
    "Screening moved on since the page showed the statistic ({seen} records screened, now {now}): "
    "look at it again before you decide."
)
STALE_STOP = "This stop was changed by someone else since you opened the page. Reload and try again."
CONFIRM_REQUIRED = "Tick the box to confirm that screening stops."


def _require_lead(review: Review, user) -> None:
    if not Membership.active.filter(review=review, user=user, is_lead=True).exists():
        raise ValidationError(NOT_A_LEAD)


def _lock(rows):
    # Rows are locked before the audit event takes the review's chain head, the order a vote uses.
    return list(rows.select_for_update().order_by("pk").values_list("record_id", flat=True))


@transaction.atomic
def screening_stop(*, review: Review, actor, screened_seen: int | None) -> ScreeningStop:
    """Stop title/abstract screening: every record still awaiting votes leaves the queue.

    ``screened_seen`` is the number of records screened that the lead's page showed with the
    statistic; if screening moved on since, the decision rests on an old number and is refused.
    """
    _require_lead(review, actor)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if stop_in_force(review) is not None:
        raise ValidationError(ALREADY_STOPPED)
    from review.screening.services import stages_sync

    stages_sync(review=review)
    result = stopping_status(review)
    if result is None:
        raise ValidationError(NOT_STARTED)
    if screened_seen is not None and screened_seen != result.screened:
        raise ValidationError(STALE_STATISTIC.format(seen=screened_seen, now=result.screened))
    # Kept records only: a merged duplicate is in no queue and no PRISMA box, so marking its row
    # would count it among the records left to automation.
    rows = RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, status=StageStatus.AWAITING,
                                      record__duplicate_of__isnull=True)
    record_ids = _lock(rows)
    rows.update(status=StageStatus.AUTOMATION_EXCLUDED, version=F("version") + 1)
    stop = ScreeningStop.objects.create(
        review=review, stopped_by=actor, stopped_at=timezone.now(), statistic=result.as_dict(),
        records=len(record_ids),
    )
    audit_record(action="screening.stopped", actor=actor, review=review, obj=stop, new={
        "statistic": result.as_dict(), "records": len(record_ids), "record_ids": record_ids,
    })
    return stop


@transaction.atomic
def screening_resume(*, review: Review, actor, stop_id: int | None) -> int:
    """Bring the records a stop left unscreened back into the queue, with their votes."""
    _require_lead(review, actor)
    stop = ScreeningStop.objects.select_for_update().filter(review=review, resumed_at__isnull=True).first()
    if stop is None:
        raise ValidationError(NOT_STOPPED)
    if stop_id is not None and stop_id != stop.pk:
        raise ValidationError(STALE_STOP)
    rows = RecordStage.objects.filter(
        review=review, stage=Stage.TITLE_ABSTRACT, status=StageStatus.AUTOMATION_EXCLUDED
    )
    record_ids = _lock(rows)
    rows.update(status=StageStatus.AWAITING, version=F("version") + 1)
    stop.resumed_by, stop.resumed_at = actor, timezone.now()
    stop.save(update_fields=["resumed_by", "resumed_at"])
    audit_record(action="screening.resumed", actor=actor, review=review, obj=stop,
                 old={"stopped_at": stop.stopped_at.isoformat(), "statistic": stop.statistic},
                 new={"records": len(record_ids), "record_ids": record_ids})
    from review.screening.retraining import RESUMED, enqueue_retrain

    enqueue_retrain(review, RESUMED)
    return len(record_ids)
