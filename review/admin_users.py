"""Django's user and group admin, audited: who was given or lost superuser, staff or active,
a group or a permission, and by whom. Accounts are not in a review: these events go to the
global chain (review=None)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from review.services.audit import audit_record

User = get_user_model()
FLAGS = ("is_active", "is_staff", "is_superuser")
PROFILE = ("username", "email", "first_name", "last_name")


def _permissions(queryset) -> list[str]:
    return sorted(f"{app}.{codename}" for app, codename in queryset.values_list("content_type__app_label", "codename"))


def _access(user) -> dict:
    if user.pk is None:
        return {"groups": [], "permissions": []}
    return {
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": _permissions(user.user_permissions),
    }


def _changed(old: dict, new: dict) -> tuple[dict, dict]:
    keys = [k for k in new if old.get(k) != new[k]]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


class AuditedUserAdmin(UserAdmin):
    def save_model(self, request, obj, form, change):
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        request._audit_user_before = (
            {f: getattr(stored, f) for f in FLAGS + PROFILE} if stored else None,
            _access(stored) if stored else _access(obj),
        )
        super().save_model(request, obj, form, change)
        now = {f: getattr(obj, f) for f in FLAGS + PROFILE}
        before = request._audit_user_before[0]
        if before is None:
            # The same event as review.services.reviews.user_create.
            audit_record(action="user.created", actor=request.user, obj=obj,
                         new={"username": obj.username, "email": obj.email})
            if any(now[f] for f in ("is_staff", "is_superuser")) or not now["is_active"]:
                audit_record(action="user.flags_changed", actor=request.user, obj=obj,
                             new={f: now[f] for f in FLAGS})
            return
        old, new = _changed({f: before[f] for f in FLAGS}, {f: now[f] for f in FLAGS})
        if new:
            audit_record(action="user.flags_changed", actor=request.user, obj=obj, old=old, new=new)
        old, new = _changed({f: before[f] for f in PROFILE}, {f: now[f] for f in PROFILE})
        if new:
            audit_record(action="user.updated", actor=request.user, obj=obj, old=old, new=new)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        old, new = _changed(request._audit_user_before[1], _access(form.instance))
        if new:
            audit_record(action="user.access_changed", actor=request.user, obj=form.instance, old=old, new=new)

    def delete_model(self, request, obj):
        audit_record(action="user.deleted", actor=request.user, obj=obj,
                     old={"username": obj.username, **{f: getattr(obj, f) for f in FLAGS}, **_access(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            audit_record(action="user.password_set", actor=request.user, obj=user, new={"username": user.username})
        return response


class AuditedGroupAdmin(GroupAdmin):
    def save_model(self, request, obj, form, change):
        request._audit_group_before = _permissions(obj.permissions) if change else []
        request._audit_group_name = Group.objects.get(pk=obj.pk).name if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        group = form.instance
        old = {"name": request._audit_group_name, "permissions": request._audit_group_before}
        old, new = _changed(old, {"name": group.name, "permissions": _permissions(group.permissions)})
        if new or not change:
            audit_record(action="group.changed" if change else "group.created", actor=request.user, obj=group,
                         old=old if change else None, new=new if change else {"name": group.name, **new})

    def delete_model(self, request, obj):
        audit_record(action="group.deleted", actor=request.user, obj=obj,
                     old={"name": obj.name, "permissions": _permissions(obj.permissions),
                          "users": sorted(obj.user_set.values_list("username", flat=True))})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            self.delete_model(request, group)


for model, model_admin in ((User, AuditedUserAdmin), (Group, AuditedGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
