"""Lock and unlock: only locked consensus reaches analysis; an unlock needs the lead and a reason."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from extraction.fingerprint import fingerprint
from extraction.models import Consensus
from extraction.selectors import payload_of
from extraction.services.common import _now, check_version, require_lead
from review.services.audit import audit_record

OPEN_DISCREPANCIES = "{count} discrepanc{plural} still to settle before the consensus can be locked."
ALREADY_LOCKED = "This consensus is already locked."
NOT_LOCKED = "This consensus is not locked."
UNLOCK_NEEDS_REASON = "Give a reason for unlocking."


@transaction.atomic
def consensus_lock(*, consensus: Consensus, actor, expected_version: int | None) -> Consensus:
    locked = Consensus.objects.select_for_update(of=("self",)).select_related("study__review", "form_version").get(
        pk=consensus.pk)
    require_lead(locked.study.review, actor)
    if locked.is_locked:
        raise ValidationError(ALREADY_LOCKED)
    check_version(locked.version, expected_version)
    remaining = locked.discrepancies.filter(choice="").count()
    if remaining:
        raise ValidationError(OPEN_DISCREPANCIES.format(count=remaining, plural="y" if remaining == 1 else "ies"))
    locked.status = Consensus.LOCKED
    locked.locked_at, locked.locked_by = _now(), actor
    locked.fingerprint = fingerprint(payload_of(locked))
    locked.version += 1
    # The ledger event goes first: the database accepts the lock only once it is recorded.
    audit_record(action=f"{locked.kind}.consensus_locked", actor=actor, review=locked.study.review, obj=locked,
                 old={"status": Consensus.OPEN},
                 new={"status": Consensus.LOCKED, "fingerprint": locked.fingerprint, "data": locked.data,
                      "study_id": locked.study_id, "study": locked.study.label})
    locked.save(update_fields=["status", "locked_at", "locked_by", "fingerprint", "version"])
    return locked


@transaction.atomic
def consensus_unlock(*, consensus: Consensus, actor, reason: str, expected_version: int | None) -> Consensus:
    locked = Consensus.objects.select_for_update(of=("self",)).select_related("study__review", "form_version").get(
        pk=consensus.pk)
    require_lead(locked.study.review, actor)
    if not locked.is_locked:
        raise ValidationError(NOT_LOCKED)
    if not (reason or "").strip():
        raise ValidationError(UNLOCK_NEEDS_REASON)
    check_version(locked.version, expected_version)
    # The fingerprint stays as it was (the trigger refuses to change it on a locked row); it
    # is recomputed at the next lock.
    # The ledger event goes first: the database opens a locked row only once it is recorded.
    audit_record(action=f"{locked.kind}.consensus_unlocked", actor=actor, review=locked.study.review, obj=locked,
                 old={"status": Consensus.LOCKED, "fingerprint": locked.fingerprint, "data": locked.data},
                 new={"status": Consensus.OPEN}, reason=reason.strip())
    locked.status = Consensus.OPEN
    locked.locked_at, locked.locked_by = None, None
    locked.version += 1
    locked.save(update_fields=["status", "locked_at", "locked_by", "version"])
    return locked


LIST_CHANGED = ("The studies ready to lock changed since the page was opened (another change was saved): "
                "nothing was locked. Look at the list again.")
NOTHING_TO_LOCK = "No study is ready to lock: every open consensus still has discrepancies to settle."


def agreed_consensus(review, kind: str):
    """Open consensus of ``kind`` with every discrepancy settled: what "lock all agreed" locks."""
    from django.db.models import Count, Q

    return (Consensus.objects.filter(study__review=review, kind=kind, status=Consensus.OPEN)
            .annotate(open_count=Count("discrepancies", filter=Q(discrepancies__choice="")))
            .filter(open_count=0).select_related("study").order_by("study__label", "study_id"))


@transaction.atomic
def consensus_lock_agreed(*, review, kind: str, actor, expected_ids: list[int]) -> list[Consensus]:
    """Lock every agreed consensus the lead was shown, in one audited action, or none of them.

    ``expected_ids`` are the consensus ids the confirmation page listed: a list that changed
    since (a discrepancy reopened, a new consensus agreed) is refused whole, so nothing the
    lead did not see is locked. Each lock writes its own ledger event as a single lock does.
    """
    require_lead(review, actor)
    # Locked by id: PostgreSQL allows no FOR UPDATE beside the count's GROUP BY. Each lock
    # below counts the open discrepancies again under its row lock.
    ids = list(agreed_consensus(review, kind).values_list("pk", flat=True))
    rows = list(Consensus.objects.select_for_update(of=("self",)).select_related("study")
                .filter(pk__in=ids).order_by("study__label", "study_id"))
    if not rows:
        raise ValidationError(NOTHING_TO_LOCK)
    if sorted(c.pk for c in rows) != sorted(expected_ids):
        raise ValidationError(LIST_CHANGED, code="stale")
    locked = [consensus_lock(consensus=c, actor=actor, expected_version=c.version) for c in rows]
    audit_record(action=f"{kind}.consensus_locked_all", actor=actor, review=review, obj=review,
                 new={"count": len(locked), "studies": [c.study.label for c in locked]})
    return locked
