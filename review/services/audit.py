"""The one helper every service calls to append an audit event (DESIGN.md invariant 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone

from review.models import AuditEvent


def _now() -> dt.datetime:
    return timezone.now()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _event(*, action, actor=None, review=None, obj=None, old=None, new=None, reason="", at=None) -> AuditEvent:
    return AuditEvent(
        review=review,
        at=at or _now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        old_value=_jsonable(old),
        new_value=_jsonable(new),
        reason=reason,
    )


def audit_record(
    *,
    action: str,
    actor=None,
    review=None,
    obj: models.Model | None = None,
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event. Call it inside the service's transaction so both land or neither."""
    event = _event(action=action, actor=actor, review=review, obj=obj, old=old, new=new, reason=reason)
    event.save()
    return event


def audit_many(events: list[dict]) -> list[AuditEvent]:
    """Append many events at once (one per merged record of a large import), same time stamp."""
    at = _now()
    return AuditEvent.objects.bulk_create([_event(at=at, **event) for event in events], batch_size=1000)
