"""Reviews, members and accounts."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from review.models import ExclusionReason, Membership, Review
from review.models.reviews import DEFAULT_EXCLUSION_REASONS, Role
from review.services.audit import audit_record
from review.services.versions import STALE_EDIT, check_version

User = get_user_model()

LAST_LEAD = "A review needs at least one lead: give another member the lead role first."
NO_ROLE = "Choose at least one role."
ALREADY_MEMBER = "{username} is already a member of this review."
UNKNOWN_ROLE = "Unknown role {role!r}: choose lead, reviewer or arbiter."

REVIEW_SETTINGS_FIELDS = [
    "title",
    "population",
    "intervention",
    "comparator",
    "outcomes",
    "study_designs",
    "protocol_registration",
    "ta_reviewers_per_record",
    "ft_reviewers_per_record",
    "blind_mode",
    "inclusion_terms",
    "exclusion_terms",
    "recall_target",
    "stop_confidence",
    "allow_maybe",
    "screening_labels",
]


def _roles_dict(membership: Membership) -> dict[str, bool]:
    return {"lead": membership.is_lead, "reviewer": membership.is_reviewer, "arbiter": membership.is_arbiter}


def _check_roles(roles) -> set[str]:
    roles = set(roles)
    for role in roles:
        if role not in Role.values:
            raise ValidationError(UNKNOWN_ROLE.format(role=role))
    if not roles:
        raise ValidationError(NO_ROLE)
    return roles


@transaction.atomic
def review_create(*, title: str, slug: str, lead, actor=None, **fields) -> Review:
    review = Review(title=title, slug=slug, created_by=actor or lead, **fields)
    review.full_clean()
    review.save()
    ExclusionReason.objects.bulk_create(
        ExclusionReason(review=review, label=label, position=i)
        for i, label in enumerate(DEFAULT_EXCLUSION_REASONS, start=1)
    )
    membership = Membership.objects.create(review=review, user=lead, is_lead=True)
    audit_record(
        action="review.created",
        actor=actor or lead,
        review=review,
        obj=review,
        new={"title": title, "slug": slug, **{k: fields[k] for k in sorted(fields)}},
    )
    audit_record(
        action="member.added",
        actor=actor or lead,
        review=review,
        obj=membership,
        new={"user": lead.username, **_roles_dict(membership)},
    )
    return review


@transaction.atomic
def review_update(*, review: Review, actor, version: int, **changes) -> Review:
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.version != version:
        raise ValidationError(STALE_EDIT)
    old = {field: getattr(locked, field) for field in changes}
    for field, value in changes.items():
        if field not in REVIEW_SETTINGS_FIELDS:
            raise ValidationError(f"{field!r} is not a review setting.")
        setattr(locked, field, value)
    changed = {f: v for f, v in changes.items() if old[f] != v}
    if not changed:
        return locked
    locked.version += 1
    locked.full_clean()
    locked.save()
    if {"ta_reviewers_per_record", "ft_reviewers_per_record"} & set(changed):
        from review.screening.services import stages_resettle

        # Before any audit event: resettling locks stage rows, the first event the chain head.
        stages_resettle(review=locked, actor=actor)
    if "blind_mode" in changed:
        audit_record(
            action="review.blind_mode_changed",
            actor=actor,
            review=locked,
            obj=locked,
            old=old["blind_mode"],
            new=changed["blind_mode"],
        )
    audit_record(
        action="review.updated",
        actor=actor,
        review=locked,
        obj=locked,
        old={f: old[f] for f in changed},
        new=changed,
    )
    return locked


NOT_LEAD = "Only a lead of this review can archive it."
ARCHIVE_NEEDS_REASON = "Say why the review is archived (or brought back): the reason goes into the audit log."
ALREADY_ARCHIVED = "This review is already archived."
NOT_ARCHIVED = "This review is not archived."


@transaction.atomic
def review_archive(*, review: Review, actor, reason: str, archive: bool = True) -> Review:
    """Archive a review (or bring it back): it leaves the list of current reviews, its data,
    locks and audit log stay as they are. The lead's decision, with a reason, audited."""
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if not Membership.active.filter(review=locked, user=actor, is_lead=True).exists():
        raise ValidationError(NOT_LEAD)
    if not reason.strip():
        raise ValidationError(ARCHIVE_NEEDS_REASON)
    if archive == (locked.archived_at is not None):
        raise ValidationError(ALREADY_ARCHIVED if archive else NOT_ARCHIVED)
    old = {"archived_at": locked.archived_at.isoformat() if locked.archived_at else None}
    locked.archived_at, locked.archived_by = (timezone.now(), actor) if archive else (None, None)
    locked.save(update_fields=["archived_at", "archived_by"])
    audit_record(action="review.archived" if archive else "review.unarchived", actor=actor, review=locked,
                 obj=locked, old=old,
                 new={"archived_at": locked.archived_at.isoformat() if locked.archived_at else None},
                 reason=reason.strip()[:2000])
    return locked


@transaction.atomic
def member_add(*, review: Review, user, roles, actor) -> Membership:
    roles = _check_roles(roles)
    membership = Membership.objects.select_for_update().filter(review=review, user=user).first()
    flags = {"is_lead": "lead" in roles, "is_reviewer": "reviewer" in roles, "is_arbiter": "arbiter" in roles}
    if membership is not None and membership.removed_at is None:
        raise ValidationError(ALREADY_MEMBER.format(username=user.username))
    if membership is None:
        membership = Membership.objects.create(review=review, user=user, **flags)
    else:
        # A returning member keeps the row that their past judgements point at.
        for key, value in flags.items():
            setattr(membership, key, value)
        membership.removed_at = None
        membership.version += 1
        membership.save()
    audit_record(
        action="member.added",
        actor=actor,
        review=review,
        obj=membership,
        new={"user": user.username, **_roles_dict(membership)},
    )
    return membership


def _leads_left(review: Review, excluding: Membership) -> int:
    return Membership.active.filter(review=review, is_lead=True).exclude(pk=excluding.pk).count()


@transaction.atomic
def member_set_roles(*, membership: Membership, roles, actor, expected_version: int | None) -> Membership:
    roles = _check_roles(roles)
    locked = Membership.active.select_for_update().get(pk=membership.pk)
    check_version(locked.version, expected_version)
    old = _roles_dict(locked)
    if locked.is_lead and "lead" not in roles and _leads_left(locked.review, locked) == 0:
        raise ValidationError(LAST_LEAD)
    locked.is_lead = "lead" in roles
    locked.is_reviewer = "reviewer" in roles
    locked.is_arbiter = "arbiter" in roles
    new = _roles_dict(locked)
    if new != old:
        locked.version += 1
        locked.save()
        audit_record(
            action="member.roles_changed",
            actor=actor,
            review=locked.review,
            obj=locked,
            old={"user": locked.user.username, **old},
            new={"user": locked.user.username, **new},
        )
    return locked


@transaction.atomic
def member_remove(*, membership: Membership, actor, reason: str = "") -> Membership:
    locked = Membership.active.select_for_update().get(pk=membership.pk)
    if locked.is_lead and _leads_left(locked.review, locked) == 0:
        raise ValidationError(LAST_LEAD)
    old = _roles_dict(locked)
    locked.removed_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["removed_at", "version"])
    audit_record(
        action="member.removed",
        actor=actor,
        review=locked.review,
        obj=locked,
        old={"user": locked.user.username, **old},
        reason=reason,
    )
    return locked


@transaction.atomic
def user_create(*, username: str, email: str = "", password: str | None = None, actor=None, review=None):
    user = User(username=username, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_record(action="user.created", actor=actor, review=review, obj=user, new={"username": username, "email": email})
    return user
