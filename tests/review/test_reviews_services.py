import pytest
from django.core.exceptions import ValidationError

from review.models import AuditEvent, ExclusionReason, Membership
from review.models.audit import AppendOnlyError
from review.services.reviews import (
    ALREADY_MEMBER,
    LAST_LEAD,
    STALE_EDIT,
    member_add,
    member_remove,
    member_set_roles,
    review_update,
)

pytestmark = pytest.mark.django_db


def test_creating_a_review_makes_its_creator_lead_and_seeds_exclusion_reasons(team):
    lead_membership = Membership.active.get(review=team.review, user=team.lead)
    assert lead_membership.roles == ["lead"]
    assert ExclusionReason.objects.filter(review=team.review).count() == 10
    assert team.review.ta_reviewers_per_record == 2 and team.review.blind_mode is True
    assert AuditEvent.objects.filter(review=team.review, action="review.created").count() == 1


def test_member_added_twice_is_refused(team):
    with pytest.raises(ValidationError) as exc:
        member_add(review=team.review, user=team.rev1, roles=["arbiter"], actor=team.lead)
    assert exc.value.messages == [ALREADY_MEMBER.format(username="rui_reviewer")]


def test_one_person_may_hold_several_roles(team):
    membership = Membership.active.get(review=team.review, user=team.rev1)
    member_set_roles(membership=membership, roles=["reviewer", "arbiter"], actor=team.lead, expected_version=None)
    membership.refresh_from_db()
    assert membership.roles == ["reviewer", "arbiter"]
    event = AuditEvent.objects.get(action="member.roles_changed")
    assert event.old_value["arbiter"] is False and event.new_value["arbiter"] is True
    assert event.actor_username == "lena_lead"


def test_last_lead_cannot_be_removed_or_demoted(team):
    lead_membership = Membership.active.get(review=team.review, user=team.lead)
    with pytest.raises(ValidationError) as exc:
        member_remove(membership=lead_membership, actor=team.lead)
    assert exc.value.messages == [LAST_LEAD]
    with pytest.raises(ValidationError):
        member_set_roles(membership=lead_membership, roles=["reviewer"], actor=team.lead, expected_version=None)


def test_removed_member_keeps_their_row_and_can_return(team):
    membership = Membership.active.get(review=team.review, user=team.rev2)
    member_remove(membership=membership, actor=team.lead, reason="left the team")
    assert not Membership.active.filter(pk=membership.pk).exists()
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.get(action="member.removed").reason == "left the team"
    again = member_add(review=team.review, user=team.rev2, roles=["arbiter"], actor=team.lead)
    assert again.pk == membership.pk and again.roles == ["arbiter"]


def test_settings_edit_on_a_stale_page_is_refused(team):
    review = team.review
    review_update(review=review, actor=team.lead, version=1, title="New title")
    with pytest.raises(ValidationError) as exc:
        review_update(review=review, actor=team.lead, version=1, title="Overwritten")
    assert exc.value.messages == [STALE_EDIT]
    review.refresh_from_db()
    assert review.title == "New title" and review.version == 2


def test_switching_blind_mode_off_is_audited(team):
    review_update(review=team.review, actor=team.lead, version=1, blind_mode=False)
    event = AuditEvent.objects.get(action="review.blind_mode_changed")
    assert (event.old_value, event.new_value) == (True, False)


def test_audit_events_cannot_be_changed_or_deleted(team):
    event = AuditEvent.objects.filter(review=team.review).first()
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(review=team.review).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(review=team.review).delete()
    assert not AuditEvent.objects.filter(action="tampered").exists()


def test_every_audit_event_names_who_when_and_what(team):
    for event in AuditEvent.objects.filter(review=team.review):
        assert event.at is not None and event.at.utcoffset().total_seconds() == 0
        assert event.actor_username and event.action
