"""The review's list of exclusion reasons."""

from __future__ import annotations

from django.db import transaction

from review.models import ExclusionReason
from review.services.audit import audit_record
from review.services.versions import check_version

FIELDS = ("label", "position", "active")


@transaction.atomic
def exclusion_reason_save(
    *, review, actor, reason: ExclusionReason | None = None, expected_version: int | None, **fields
) -> ExclusionReason:
    """Create a reason, or change one; reasons are retired (active=False), never deleted."""
    if reason is None:
        reason = ExclusionReason(review=review)
        old = None
    else:
        reason = ExclusionReason.objects.select_for_update().get(pk=reason.pk, review=review)
        check_version(reason.version, expected_version)
        old = {f: getattr(reason, f) for f in FIELDS}
        reason.version += 1
    for field, value in fields.items():
        setattr(reason, field, value)
    reason.full_clean()
    reason.save()
    audit_record(
        action="exclusion_reason.updated" if old else "exclusion_reason.created",
        actor=actor, review=review, obj=reason, old=old, new={f: getattr(reason, f) for f in FIELDS},
    )
    return reason
