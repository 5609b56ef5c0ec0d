"""Admin pages for inspection. Locked consensus and its discrepancies are read-only here, and
the models' own guards refuse any change that gets past this."""

from django.contrib import admin

from extraction.models import (
    AppraisalPlan,
    Assignment,
    Consensus,
    Discrepancy,
    Extraction,
    FormVersion,
)


def _locked(obj) -> bool:
    if isinstance(obj, Consensus):
        return obj.is_locked
    if isinstance(obj, Discrepancy):
        return obj.consensus.is_locked
    if isinstance(obj, FormVersion):
        return obj.consensus.filter(status=Consensus.LOCKED).exists()
    return False


class LockAwareAdmin(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and _locked(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and _locked(obj))


@admin.register(Consensus)
class ConsensusAdmin(LockAwareAdmin):
    list_display = ["study", "kind", "status", "version", "locked_at"]
    list_filter = ["kind", "status"]
    actions = None


@admin.register(Discrepancy)
class DiscrepancyAdmin(LockAwareAdmin):
    list_display = ["consensus", "key", "choice", "resolved_at"]
    actions = None


@admin.register(Extraction)
class ExtractionAdmin(admin.ModelAdmin):
    list_display = ["study", "kind", "user", "status", "submitted_at"]
    list_filter = ["kind", "status"]


admin.site.register(FormVersion, LockAwareAdmin)
admin.site.register(Assignment)
admin.site.register(AppraisalPlan)
