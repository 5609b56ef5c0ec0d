"""Python's half of the lock on deletes: the ORM, the admin and every service that deletes a
review, a study, a report, a consensus or a form version asks here first.

Django's deletion collector reaches related rows through the base manager and deletes them
with plain SQL, past every queryset and ``delete()`` override; ``pre_delete`` is the one hook
it always calls (and while a receiver listens it cannot take its fast path). The database
triggers (``extraction.lock_triggers``) refuse the same deletes for raw SQL.
"""

from __future__ import annotations

from extraction.models.consensus import HOLDS_LOCKED, Consensus, LockedError
from extraction.models.forms import FORM_LOCKED

REPORTS_LOCKED = ("{study} holds locked {kind} consensus: its reports cannot be sent back or moved until it is "
                  "unlocked (Extraction > Reconcile {study} > Unlock, with a reason).")


def _locked_rows(**filters):
    return Consensus._base_manager.filter(status=Consensus.LOCKED, **filters).select_related("study").order_by(
        "study__label", "kind")


def refuse_if_holding_locked(**filters) -> None:
    """Raise naming the first study whose locked consensus matches ``filters``."""
    first = _locked_rows(**filters).first()
    if first is not None:
        raise LockedError(HOLDS_LOCKED.format(study=first.study.label, kind=first.kind))


def review_deleted(sender, instance, **kwargs):
    refuse_if_holding_locked(study__review_id=instance.pk)


def study_deleted(sender, instance, **kwargs):
    refuse_if_holding_locked(study_id=instance.pk)


def record_deleted(sender, instance, **kwargs):
    if instance.study_id is not None:
        refuse_if_holding_locked(study_id=instance.study_id)


def consensus_deleted(sender, instance, **kwargs):
    refuse_if_holding_locked(pk=instance.pk)


def discrepancy_deleted(sender, instance, **kwargs):
    refuse_if_holding_locked(pk=instance.consensus_id)


def form_version_deleted(sender, instance, **kwargs):
    first = _locked_rows(form_version_id=instance.pk).first()
    if first is not None:
        raise LockedError(FORM_LOCKED.format(study=first.study.label))


def deletion_refused(*, review_id: int) -> None:
    """The check ``Review.delete()`` runs before Django collects what a cascade would delete
    (the collector stops at the form version's PROTECT before any ``pre_delete``)."""
    refuse_if_holding_locked(study__review_id=review_id)


def reports_frozen(study_id: int) -> None:
    """The check review's services run before changing a study's reports (review.study_locks)."""
    from django.core.exceptions import ValidationError

    first = _locked_rows(study_id=study_id).first()
    if first is not None:
        raise ValidationError(REPORTS_LOCKED.format(study=first.study.label, kind=first.kind))
