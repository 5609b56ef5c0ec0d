"""Shared by the analysis views: reaching a review and one of its analyses."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from analysis.models import Analysis
from review.permissions import ROLE_REQUIRED, get_review_for_user


def member_review(request, slug, *, lead: bool = False):
    review, membership = get_review_for_user(request.user, slug)
    if lead and not membership.is_lead:
        raise PermissionDenied(ROLE_REQUIRED.format(role="lead"))
    return review, membership


def review_analysis(review, pk) -> Analysis:
    return get_object_or_404(Analysis.objects.select_related("review"), review=review, pk=pk)
