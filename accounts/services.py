"""Account events on the audit log: password resets and unlocks (DESIGN.md invariant 3).

Account events belong to no review (``review=None``): they are about people, not data.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.db import transaction

from review.services.audit import audit_record

UNLOCK_NEEDS_TARGET = "Name a username or an address to unlock."
UNLOCK_NEEDS_REASON = "Give a reason for the unlock."


def clean_text(value, limit: int = 254) -> str:
    """What a visitor typed, safe for any text column: PostgreSQL refuses NUL."""
    return str(value or "").replace("\x00", "\ufffd")[:limit]


def password_reset_requested(*, email: str, accounts: int, address: str | None) -> None:
    """Recorded whatever the outcome; the page itself says the same either way."""
    with transaction.atomic():
        audit_record(
            action="account.password_reset_requested",
            new={"email": clean_text(email), "accounts": accounts, "address": address},
        )


def password_reset_done(*, user, address: str | None) -> int:
    """The new password is set by the caller inside this transaction. Proving control of the
    account's e-mail ends its lockout (the address's own lockout stays)."""
    with transaction.atomic():
        cleared = AxesProxyHandler.reset_attempts(username=user.get_username())
        audit_record(
            action="account.password_reset_done",
            actor=user,
            obj=user,
            new={"username": user.get_username(), "address": address, "failure_records_cleared": cleared},
        )
    return cleared


def login_unlock(*, username: str = "", address: str = "", actor=None, reason: str) -> int:
    """End a lockout before its cool-off: the failures counted against the username and/or
    the address are forgotten. Returns how many failure records were cleared."""
    if not username and not address:
        raise ValueError(UNLOCK_NEEDS_TARGET)
    if not reason.strip():
        raise ValueError(UNLOCK_NEEDS_REASON)
    with transaction.atomic():
        cleared = 0
        if username:
            cleared += AxesProxyHandler.reset_attempts(username=username)
        if address:
            cleared += AxesProxyHandler.reset_attempts(ip_address=address)
        audit_record(
            action="account.unlocked",
            actor=actor,
            new={"username": username, "address": address, "failure_records_cleared": cleared},
            reason=reason,
        )
    return cleared
