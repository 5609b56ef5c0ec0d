"""The page a locked-out account or address gets instead of the log-in form."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

LOCKOUT_MESSAGE = (
    "Too many failed log-ins for this account or address. "
    "Try again in {wait}, or reset your password."
)


def cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    minutes = cooloff_minutes()
    return LOCKOUT_MESSAGE.format(wait=f"{minutes} minute" if minutes == 1 else f"{minutes} minutes")


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the same page whether the account or the address tripped the
    limit, so the answer tells an attacker nothing about which usernames exist."""
    return render(
        request,
        "accounts/lockout.html",
        {"message": lockout_message()},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
