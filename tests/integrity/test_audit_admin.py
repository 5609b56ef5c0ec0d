"""Every change made in Django's admin writes the same audit event as the application's own
page would (the admin calls the same services), or the admin refuses it: driven through
the real admin views as a superuser."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.forms import MultiWidget
from django.urls import reverse

from extraction.models import Extraction
from review.admin import MEMBER_KEEPS_USER
from review.audit_chain import audit_chain_verify
from review.models import AuditEvent, ExclusionReason, Membership, Review, SearchSource
from review.services.reviews import LAST_LEAD, STALE_EDIT, member_set_roles, review_update
from tests.extraction.conftest import VALUES, assigned, fill, form, study  # noqa: F401

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root", "root@example.org", "a-long-admin-password-1")
    client.force_login(user)
    return user


def _value(value):
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    return "" if value is None else value


def _fill(data, bound):
    for name, field in bound.fields.items():
        if field.disabled:
            continue
        key, value = bound.add_prefix(name), bound[name].value()
        if isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{key}_{i}"] = _value(part)
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(v) for v in value]
        else:
            data[key] = _value(value)


def _page_data(client, url):
    """What the browser would post back unchanged from the admin page at ``url``."""
    page = client.get(url)
    assert page.status_code == 200
    data = {}
    _fill(data, page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        _fill(data, formset.management_form)
        for member_form in formset.forms:
            _fill(data, member_form)
    return data


def _membership_prefix(data, membership):
    return next(k[: -len("-id")] for k, v in data.items() if k.endswith("-id") and str(v) == str(membership.pk))


def _post(client, url, data):
    response = client.post(url, data)
    assert response.status_code in (200, 302)
    return response


def _last(action):
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


def test_changing_a_members_roles_in_the_admin_writes_the_services_event(client, root, team):
    url = reverse("admin:review_review_change", args=[team.review.pk])
    data = _page_data(client, url)
    member = Membership.objects.get(review=team.review, user=team.rev1)
    data[f"{_membership_prefix(data, member)}-is_arbiter"] = "on"
    assert _post(client, url, data).status_code == 302
    event = _last("member.roles_changed")
    assert (event.review, event.actor, event.object_id) == (team.review, root, str(member.pk))
    assert event.old_value == {"user": "rui_reviewer", "lead": False, "reviewer": True, "arbiter": False}
    assert event.new_value == {"user": "rui_reviewer", "lead": False, "reviewer": True, "arbiter": True}
    # The same event the application's own service writes.
    member_set_roles(membership=member, roles=["reviewer"], actor=team.lead, expected_version=None)
    service = _last("member.roles_changed")
    assert (service.old_value, service.new_value) == (event.new_value, event.old_value)


def test_adding_and_removing_members_in_the_admin_is_audited(client, root, team, make_user):
    newcomer = make_user("nia_newcomer")
    url = reverse("admin:review_review_change", args=[team.review.pk])
    data = _page_data(client, url)
    total = int(data["memberships-TOTAL_FORMS"])
    data |= {"memberships-TOTAL_FORMS": str(total + 1), f"memberships-{total}-user": str(newcomer.pk),
             f"memberships-{total}-is_reviewer": "on", f"memberships-{total}-review": str(team.review.pk)}
    arbiter = Membership.objects.get(review=team.review, user=team.arbiter)
    data[f"{_membership_prefix(data, arbiter)}-DELETE"] = "on"
    assert _post(client, url, data).status_code == 302
    added = _last("member.added")
    assert (added.actor, added.new_value) == (root, {"user": "nia_newcomer", "lead": False, "reviewer": True,
                                                     "arbiter": False})
    removed = _last("member.removed")
    assert (removed.actor, removed.object_id) == (root, str(arbiter.pk))
    arbiter.refresh_from_db()
    assert arbiter.removed_at is not None, "a removed member keeps the row their judgements point at"


def test_the_admin_refuses_what_the_membership_services_refuse(client, root, team):
    url = reverse("admin:review_review_change", args=[team.review.pk])
    before = AuditEvent.objects.count()
    data = _page_data(client, url)
    lead = Membership.objects.get(review=team.review, user=team.lead)
    data.pop(f"{_membership_prefix(data, lead)}-is_lead")
    data[f"{_membership_prefix(data, lead)}-is_reviewer"] = "on"
    page = _post(client, url, data)
    assert page.status_code == 200 and LAST_LEAD in page.content.decode()
    data = _page_data(client, url)
    data[f"{_membership_prefix(data, lead)}-user"] = str(team.outsider.pk)
    page = _post(client, url, data)
    assert page.status_code == 200 and MEMBER_KEEPS_USER in page.content.decode()
    assert AuditEvent.objects.count() == before
    assert Membership.objects.get(pk=lead.pk).is_lead


def test_switching_blind_mode_off_in_the_admin_is_audited_and_a_stale_page_refused(client, root, team):
    url = reverse("admin:review_review_change", args=[team.review.pk])
    data = _page_data(client, url)
    data.pop("blind_mode")
    assert _post(client, url, data).status_code == 302
    event = _last("review.blind_mode_changed")
    assert (event.actor, event.review, event.old_value, event.new_value) == (root, team.review, True, False)
    assert _last("review.updated").new_value == {"blind_mode": False}
    review_update(review=team.review, actor=team.lead, version=2, title="Renamed in the app")
    data["title"] = "Renamed on a stale admin page"
    page = _post(client, url, data)
    assert page.status_code == 200 and STALE_EDIT in page.content.decode()
    assert Review.objects.get(pk=team.review.pk).title == "Renamed in the app"


def test_reviews_are_neither_added_nor_deleted_in_the_admin(client, root, team):
    assert client.get(reverse("admin:review_review_add")).status_code == 403
    assert client.post(reverse("admin:review_review_delete", args=[team.review.pk]), {"post": "yes"}).status_code == 403


def test_exclusion_reasons_change_through_their_service_and_are_never_deleted(client, root, team):
    reason = ExclusionReason.objects.filter(review=team.review).first()
    url = reverse("admin:review_exclusionreason_change", args=[reason.pk])
    data = _page_data(client, url)
    data.pop("active")
    assert _post(client, url, data).status_code == 302
    event = _last("exclusion_reason.updated")
    assert (event.actor, event.review, event.old_value["active"], event.new_value["active"]) == (
        root, team.review, True, False)
    add = reverse("admin:review_exclusionreason_add")
    data = {"review": str(team.review.pk), "label": "Animal study", "position": "20", "active": "on"}
    assert _post(client, add, data).status_code == 302
    created = _last("exclusion_reason.created")
    assert (created.actor, created.new_value) == (root, {"label": "Animal study", "position": 20, "active": True})
    assert client.post(reverse("admin:review_exclusionreason_delete", args=[reason.pk]),
                       {"post": "yes"}).status_code == 403
    assert ExclusionReason.objects.filter(pk=reason.pk).exists()


def test_search_sources_change_through_their_service_and_are_never_deleted(client, root, team, source):
    url = reverse("admin:review_searchsource_change", args=[source.pk])
    data = _page_data(client, url)
    data["search_string"] = "myositis AND immunoglobulin"
    assert _post(client, url, data).status_code == 302
    event = _last("source.updated")
    assert (event.actor, event.review, event.new_value) == (root, team.review,
                                                             {"search_string": "myositis AND immunoglobulin"})
    add = reverse("admin:review_searchsource_add")
    assert _post(client, add, {"review": str(team.review.pk), "name": "Embase", "kind": "database"}).status_code == 302
    assert _last("source.created").new_value["name"] == "Embase"
    assert SearchSource.objects.filter(review=team.review, name="Embase").exists()
    assert client.post(reverse("admin:review_searchsource_delete", args=[source.pk]), {"post": "yes"}).status_code == 403


def test_a_submitted_extraction_cannot_be_changed_or_deleted_in_the_admin(client, root, team, assigned, fill):  # noqa: F811
    extraction = fill(assigned, team.rev1, VALUES)
    assert extraction.status == Extraction.SUBMITTED
    before = AuditEvent.objects.count()
    delete = reverse("admin:extraction_extraction_delete", args=[extraction.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:extraction_extraction_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [extraction.pk], "post": "yes"})
    assert Extraction.objects.filter(pk=extraction.pk, status="submitted").exists()
    assert AuditEvent.objects.count() == before


def test_user_flags_groups_and_permissions_changed_in_the_admin_are_audited(client, root, team):
    group = Group.objects.create(name="curators")
    permission = Permission.objects.get(codename="view_record")
    url = reverse("admin:auth_user_change", args=[team.rev1.pk])
    data = _page_data(client, url)
    data |= {"is_staff": "on", "is_superuser": "on", "groups": [str(group.pk)],
             "user_permissions": [str(permission.pk)]}
    assert _post(client, url, data).status_code == 302
    flags = _last("user.flags_changed")
    assert (flags.review, flags.actor, flags.object_id) == (None, root, str(team.rev1.pk))
    assert (flags.old_value, flags.new_value) == ({"is_staff": False, "is_superuser": False},
                                                  {"is_staff": True, "is_superuser": True})
    access = _last("user.access_changed")
    assert (access.old_value, access.new_value) == ({"groups": [], "permissions": []},
                                                    {"groups": ["curators"], "permissions": ["review.view_record"]})
    data = _page_data(client, url)
    data.pop("is_active")
    assert _post(client, url, data).status_code == 302
    assert (_last("user.flags_changed").old_value, _last("user.flags_changed").new_value) == (
        {"is_active": True}, {"is_active": False})
    assert audit_chain_verify(None).intact


def test_users_added_deleted_or_given_a_password_in_the_admin_are_audited(client, root):
    add = reverse("admin:auth_user_add")
    response = _post(client, add, {"username": "temp_user", "password1": "a-long-pass-phrase-42",
                                   "password2": "a-long-pass-phrase-42", "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="temp_user")
    created = _last("user.created")
    assert (created.review, created.actor, created.new_value) == (None, root, {"username": "temp_user", "email": ""})
    password = reverse("admin:auth_user_password_change", args=[user.pk])
    assert _post(client, password, {"password1": "another-long-phrase-7", "password2": "another-long-phrase-7",
                                    "usable_password": "true"}).status_code == 302
    assert _last("user.password_set").object_id == str(user.pk)
    assert _post(client, reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"}).status_code == 302
    deleted = _last("user.deleted")
    assert (deleted.actor, deleted.old_value["username"]) == (root, "temp_user")
    assert audit_chain_verify(None).intact


def test_group_permission_changes_in_the_admin_are_audited(client, root):
    permission = Permission.objects.get(codename="view_record")
    assert _post(client, reverse("admin:auth_group_add"), {"name": "auditors",
                                                            "permissions": [str(permission.pk)]}).status_code == 302
    assert _last("group.created").new_value == {"name": "auditors", "permissions": ["review.view_record"]}
    group = Group.objects.get(name="auditors")
    assert _post(client, reverse("admin:auth_group_change", args=[group.pk]), {"name": "auditors"}).status_code == 302
    assert (_last("group.changed").old_value, _last("group.changed").new_value) == (
        {"permissions": ["review.view_record"]}, {"permissions": []})


def test_the_audit_log_stays_read_only_in_the_admin(client, root, team):
    event = AuditEvent.objects.filter(review=team.review).first()
    change = reverse("admin:review_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"action": "tampered", "reason": "tampered"})
    assert AuditEvent.objects.get(pk=event.pk).action == event.action
    assert client.get(reverse("admin:review_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:review_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:review_auditchainhead_add")).status_code == 403
    assert audit_chain_verify(team.review).intact
