"""Admin pages. Every change made here goes through the same service as the application's
pages, so it writes the same audit event (DESIGN.md invariant 3); what has no service, or
must never change (records, imports, the audit log), is read-only, and deletions that would
lose history are not offered."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, HiddenInput, IntegerField, ModelForm

from review.models import (
    AuditChainHead,
    AuditEvent,
    ExclusionReason,
    Membership,
    Record,
    RecordImport,
    Review,
    SearchSource,
)
from review.services.exclusions import FIELDS as REASON_FIELDS
from review.services.exclusions import exclusion_reason_save
from review.services.reviews import (
    LAST_LEAD,
    NO_ROLE,
    REVIEW_SETTINGS_FIELDS,
    STALE_EDIT,
    member_add,
    member_remove,
    member_set_roles,
    review_update,
)
from review.services.sources import SOURCE_FIELDS, source_create, source_update

MEMBER_KEEPS_USER = "A membership keeps its member: remove it and add the other person as a new member."
REMOVED_IN_ADMIN = "Removed in the admin."


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted: what the application alone may write."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _roles(data) -> list[str]:
    return [role for role in ("lead", "reviewer", "arbiter") if data.get(f"is_{role}")]


class MembershipFormSet(BaseInlineFormSet):
    """Refuses, before anything is saved, what the membership services would refuse."""

    def clean(self):
        super().clean()
        leads = 0
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (self.can_delete and self._should_delete_form(form)):
                continue
            member = form.instance
            if member.pk and "user" in form.changed_data:
                form.add_error("user", MEMBER_KEEPS_USER)
            if member.pk and member.removed_at and not form.has_changed():
                continue
            if not _roles(data):
                form.add_error(None, NO_ROLE)
            leads += bool(data.get("is_lead"))
        if not leads:
            raise ValidationError(LAST_LEAD)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "is_lead", "is_reviewer", "is_arbiter", "removed_at"]
    readonly_fields = ["removed_at"]


class ReviewForm(ModelForm):
    # The version the page was opened at: an edit made on a stale page is refused, as in the app.
    opened_version = IntegerField(widget=HiddenInput)

    class Meta:
        model = Review
        fields = REVIEW_SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        stored = Review.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
        if stored is not None and data.get("opened_version") != stored:
            raise ValidationError(STALE_EDIT)
        return data


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Settings change through ``review_update`` and members through the membership services.
    Reviews are created in the application (which adds the lead and the default exclusion
    reasons) and are never deleted here."""

    form = ReviewForm
    list_display = ["title", "slug", "created_at"]
    search_fields = ["title", "slug"]
    fields = [*REVIEW_SETTINGS_FIELDS, "opened_version", "slug", "version", "created_at", "created_by",
              "archived_at", "archived_by"]
    # Archiving is the lead's audited action in the application (review_archive).
    readonly_fields = ["slug", "version", "created_at", "created_by", "archived_at", "archived_by"]
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in REVIEW_SETTINGS_FIELDS}
        if changes:
            review_update(review=obj, actor=request.user, version=form.cleaned_data["opened_version"], **changes)
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for member_form in formset.forms:
            member = member_form.instance
            if formset.can_delete and formset._should_delete_form(member_form):
                if member.pk and member.removed_at is None:
                    formset.deleted_objects.append(
                        member_remove(membership=member, actor=request.user, reason=REMOVED_IN_ADMIN))
                continue
            if not member_form.has_changed():
                continue
            roles = _roles(member_form.cleaned_data)
            if member.pk is None or member.removed_at is not None:
                saved = member_add(review=form.instance, user=member_form.cleaned_data["user"], roles=roles,
                                   actor=request.user)
                formset.new_objects.append(saved)
            else:
                saved = member_set_roles(membership=member, roles=roles, actor=request.user, expected_version=None)
                formset.changed_objects.append((saved, member_form.changed_data))


@admin.register(SearchSource)
class SearchSourceAdmin(admin.ModelAdmin):
    """Through ``source_create`` and ``source_update``; records point at their source, so it
    is never deleted here."""

    list_display = ["name", "review", "kind", "date_run"]
    list_filter = ["kind"]
    fields = ["review", *SOURCE_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return ["review"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in SOURCE_FIELDS}
            saved = source_update(source=obj, actor=request.user, expected_version=None, **changes)
        else:
            fields = {f: form.cleaned_data[f] for f in SOURCE_FIELDS}
            saved = source_create(review=form.cleaned_data["review"], actor=request.user, **fields)
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(RecordImport)
class RecordImportAdmin(ReadOnlyAdmin):
    """Read-only: an import is a file as it was received and what came of it."""

    list_display = ["filename", "review", "source", "status", "record_count", "created_at"]
    list_filter = ["status", "format"]


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    """Read-only: a record is its import, verbatim. Edits here would bypass the audit log,
    the PRISMA counts and the screening queue's sort keys; merges and undos have their pages."""

    list_display = ["title", "year", "journal", "review"]
    search_fields = ["title", "doi", "pmid"]


@admin.register(ExclusionReason)
class ExclusionReasonAdmin(admin.ModelAdmin):
    """Through ``exclusion_reason_save``; a reason is retired (active off), never deleted,
    because decisions point at it."""

    list_display = ["label", "review", "position", "active"]
    fields = ["review", *REASON_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return ["review"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        fields = {f: form.cleaned_data[f] for f in REASON_FIELDS}
        review = obj.review if change else form.cleaned_data["review"]
        saved = exclusion_reason_save(
            review=review, actor=request.user, reason=obj if change else None, expected_version=None, **fields
        )
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only, for superusers as for everyone."""

    list_display = ["at", "actor_username", "action", "object_type", "object_id", "review"]
    list_filter = ["action"]


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["chain", "count", "last_event_id"]


# Registers the audited user and group admins in place of Django's.
from review import admin_users  # noqa: E402, F401
