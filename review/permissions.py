"""Every view reaches a review through here (DESIGN.md invariant 6).

Outsiders get 404 (a review's existence is not revealed); members without the role get 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from review.models import Membership, Review

NOT_A_MEMBER = "No review found."
ROLE_REQUIRED = "This page needs the {role} role in this review."


def get_membership(user, slug: str) -> Membership:
    if not user.is_authenticated:
        raise Http404(NOT_A_MEMBER)
    membership = (
        Membership.active.select_related("review").filter(review__slug=slug, user=user).first()
    )
    if membership is None:
        raise Http404(NOT_A_MEMBER)
    return membership


def get_review_for_user(user, slug: str, *, role: str | None = None) -> tuple[Review, Membership]:
    membership = get_membership(user, slug)
    if role is not None and not membership.has_role(role):
        raise PermissionDenied(ROLE_REQUIRED.format(role=role))
    return membership.review, membership
