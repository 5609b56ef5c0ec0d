"""Refusing an edit made on a stale page: the page sends back the version it showed, and the
service compares it with the row it has locked, so of two people saving at once one is told."""

from __future__ import annotations

from django.core.exceptions import ValidationError

STALE_EDIT = "This review was changed by someone else since you opened the page. Reload and try again."


def check_version(current: int, expected: int | None) -> None:
    """Refuse a stale edit; ``expected=None`` is for callers that are not pages (commands, the admin)."""
    if expected is not None and expected != current:
        raise ValidationError(STALE_EDIT, code="stale")
