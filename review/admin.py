from django.contrib import admin

from review.models import (
    AuditEvent,
    ExclusionReason,
    Membership,
    Record,
    RecordImport,
    Review,
    SearchSource,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted: what the application alone may write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "created_at"]
    search_fields = ["title", "slug"]
    inlines = [MembershipInline]


@admin.register(SearchSource)
class SearchSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "review", "kind", "date_run"]
    list_filter = ["kind"]


@admin.register(RecordImport)
class RecordImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "review", "source", "status", "record_count", "created_at"]
    list_filter = ["status", "format"]
    readonly_fields = [f.name for f in RecordImport._meta.fields]


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    """Read-only: a record is its import, verbatim. Edits here would bypass the audit log,
    the PRISMA counts and the screening queue's sort keys; merges and undos have their pages."""

    list_display = ["title", "year", "journal", "review"]
    search_fields = ["title", "doi", "pmid"]


@admin.register(ExclusionReason)
class ExclusionReasonAdmin(admin.ModelAdmin):
    list_display = ["label", "review", "position", "active"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only, for superusers as for everyone."""

    list_display = ["at", "actor_username", "action", "object_type", "object_id", "review"]
    list_filter = ["action"]
