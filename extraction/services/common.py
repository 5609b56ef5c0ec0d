from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from review.models import Membership

STALE_EDIT = "Someone changed this since you opened the page. Reload it and try again."
LEAD_ONLY = "Only a lead of this review can do this."
RESOLVER_ONLY = "Only a lead or an arbiter of this review can settle discrepancies."


def _now() -> dt.datetime:
    return timezone.now()


def check_version(current: int, expected: int | None) -> None:
    if expected is not None and int(expected) != current:
        raise ValidationError(STALE_EDIT, code="stale")


def _membership(review, user) -> Membership | None:
    return Membership.active.filter(review=review, user=user).first()


def require_lead(review, user) -> None:
    membership = _membership(review, user)
    if membership is None or not membership.is_lead:
        raise PermissionDenied(LEAD_ONLY)


def require_resolver(review, user) -> None:
    membership = _membership(review, user)
    if membership is None or not (membership.is_lead or membership.is_arbiter):
        raise PermissionDenied(RESOLVER_ONLY)
