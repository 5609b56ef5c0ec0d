"""Admin pages for inspection only. Every change here has a service that checks roles, the
lock and the version and writes the audit event (forms, assignments, extractions,
reconciliation, lock), so the admin offers none: a submitted extraction, a locked consensus
or a published form cannot be changed or deleted here."""

from django.contrib import admin

from extraction.models import (
    AppraisalPlan,
    Assignment,
    Consensus,
    Discrepancy,
    Extraction,
    FormVersion,
)
from review.admin import ReadOnlyAdmin


@admin.register(Consensus)
class ConsensusAdmin(ReadOnlyAdmin):
    list_display = ["study", "kind", "status", "version", "locked_at"]
    list_filter = ["kind", "status"]


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    list_display = ["consensus", "key", "choice", "resolved_at"]


@admin.register(Extraction)
class ExtractionAdmin(ReadOnlyAdmin):
    list_display = ["study", "kind", "user", "status", "submitted_at"]
    list_filter = ["kind", "status"]


@admin.register(FormVersion)
class FormVersionAdmin(ReadOnlyAdmin):
    pass


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    pass


@admin.register(AppraisalPlan)
class AppraisalPlanAdmin(ReadOnlyAdmin):
    pass
