"""Failed log-in records, shown read-only; the one change allowed is an audited unlock."""

from axes.models import AccessAttempt
from django.contrib import admin, messages

from accounts.services import login_unlock
from review.admin import ReadOnlyAdmin


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyAdmin):
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start", "path_info"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["attempt_time", "username", "ip_address", "user_agent", "path_info", "failures_since_start"]
    actions = ["unlock"]

    @admin.action(description="Unlock the username and address of the selected records (audited)")
    def unlock(self, request, queryset):
        cleared = 0
        for attempt in list(queryset):
            cleared += login_unlock(
                username=attempt.username or "",
                address=attempt.ip_address or "",
                actor=request.user,
                reason="unlocked in the admin",
            )
        messages.success(request, f"{cleared} failure records cleared.")
