"""Every failed log-in that django-axes counts, and every lockout, on the audit log.

The password never reaches an event: Django cleanses the credentials it sends with the
signal, and only the username attempted is kept. Attempts refused during a cool-off are
not counted by axes and not written here either: they would let an anonymous client grow
the append-only log at request rate.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.signals import user_locked_out  # noqa: F401  (importing it connects axes' receivers first)
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models import Sum
from django.dispatch import receiver

from accounts.lockout import cooloff_minutes
from accounts.services import clean_text
from review.services.audit import audit_record


def _failures(request, **match) -> int:
    since = request.axes_attempt_time - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(attempt_time__gte=since, **match).aggregate(n=Sum("failures_since_start"))
    return total["n"] or 0


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Receivers run in the order they were connected, and axes' receiver was connected on
    # import above, so by now axes has counted this failure (or refused it as locked out).
    if request is None:
        return
    counted = getattr(request, "axes_failures_since_start", None)
    if getattr(request, "axes_locked_out", False) and counted is None:
        return
    username = clean_text(credentials.get(get_user_model().USERNAME_FIELD), 150)
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    with transaction.atomic():
        audit_record(
            action="account.login_failed",
            new={"username": username, "address": address, "failures": counted},
        )
        if not getattr(request, "axes_locked_out", False):
            return
        limit = settings.AXES_FAILURE_LIMIT
        locked = []
        if _failures(request, username=username) >= limit:
            locked.append("username")
        if _failures(request, ip_address=request.axes_ip_address) >= limit:
            locked.append("address")
        until = request.axes_attempt_time + settings.AXES_COOLOFF_TIME
        audit_record(
            action="account.locked_out",
            new={"username": username, "address": address, "locked": locked, "until": until},
            reason=f"{limit} failed log-ins within {cooloff_minutes()} minutes",
        )

