"""Who extracts (or appraises) which study: two different people per study, by hand or balanced."""

from __future__ import annotations

import hashlib
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction

from extraction.models import Assignment, Extraction
from extraction.models.work import Slot
from extraction.selectors import included_studies
from extraction.services.common import check_version, require_lead
from review.models import Membership, Review, Study
from review.services.audit import audit_record

TWO_PEOPLE = "Choose two different members."
NOT_A_REVIEWER = "{username} is not a reviewer in this review."
ALREADY_STARTED = "{username} has already started on this study; their work stays assigned to them."
TOO_FEW = "Balanced assignment needs at least two members with the reviewer role."


def _extractors(review: Review):
    return [m.user for m in Membership.active.filter(review=review, is_reviewer=True).select_related("user")
            .order_by("user__username")]


def assignment_token(assignments) -> int:
    """The version of one study's pair for one kind: it changes whenever a row of the pair is
    replaced (a new row has a new id), so a page that showed an older pair is detected."""
    state = ";".join(sorted(f"{a.slot}:{a.pk}:{a.user_id}" for a in assignments))
    return int(hashlib.sha256(state.encode()).hexdigest()[:12], 16)


@transaction.atomic
def assignment_set(*, study: Study, kind: str, users: list, actor, expected_version: int | None) -> list[Assignment]:
    require_lead(study.review, actor)
    if len(users) != 2 or users[0] == users[1]:
        raise ValidationError(TWO_PEOPLE)
    allowed = {u.pk for u in _extractors(study.review)}
    for user in users:
        if user.pk not in allowed:
            raise ValidationError(NOT_A_REVIEWER.format(username=user.username))
    # The study row is the lock: a pair with no rows yet has nothing else to lock.
    Study.objects.select_for_update().get(pk=study.pk)
    current = {a.slot: a for a in Assignment.objects.select_for_update().filter(study=study, kind=kind)}
    check_version(assignment_token(current.values()), expected_version)
    old = {slot: a.user.username for slot, a in current.items()}
    result = []
    for slot, user in zip(Slot.values, users, strict=True):
        existing = current.get(slot)
        if existing and existing.user_id == user.pk:
            result.append(existing)
            continue
        if existing and Extraction.objects.filter(study=study, kind=kind, user_id=existing.user_id).exists():
            raise ValidationError(ALREADY_STARTED.format(username=existing.user.username))
        if existing:
            existing.delete()
    # Delete first, then create: a person moving from slot b to slot a must not collide with themselves.
    for slot, user in zip(Slot.values, users, strict=True):
        if not any(a.slot == slot for a in result):
            result.append(Assignment.objects.create(study=study, kind=kind, slot=slot, user=user, assigned_by=actor))
    audit_record(action=f"{kind}.assigned", actor=actor, review=study.review, obj=study, old=old or None,
                 new={a.slot: a.user.username for a in result})
    return sorted(result, key=lambda a: a.slot)


@transaction.atomic
def assignments_balance(*, review: Review, kind: str, actor) -> int:
    """Give every unassigned included study two extractors, least-loaded first; returns how many."""
    require_lead(review, actor)
    people = _extractors(review)
    if len(people) < 2:
        raise ValidationError(TOO_FEW)
    Review.objects.select_for_update().filter(pk=review.pk).first()
    load = Counter(Assignment.objects.filter(study__review=review, kind=kind).values_list("user_id", flat=True))
    done = set(Assignment.objects.filter(study__review=review, kind=kind).values_list("study_id", flat=True))
    count = 0
    for study in included_studies(review).exclude(pk__in=done):
        pair = sorted(people, key=lambda u: (load[u.pk], u.username))[:2]
        for slot, user in zip(Slot.values, pair, strict=True):
            Assignment.objects.create(study=study, kind=kind, slot=slot, user=user, assigned_by=actor)
            load[user.pk] += 1
        audit_record(action=f"{kind}.assigned", actor=actor, review=review, obj=study,
                     new={"a": pair[0].username, "b": pair[1].username}, reason="balanced automatic assignment")
        count += 1
    return count
