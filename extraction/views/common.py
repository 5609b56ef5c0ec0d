from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404

from extraction.selectors import included_studies
from review.permissions import get_review_for_user


def review_for(request, slug, role=None):
    return get_review_for_user(request.user, slug, role=role)


def require_any_role(membership, *roles):
    if not any(membership.has_role(r) for r in roles):
        raise PermissionDenied(f"This page needs the {' or '.join(roles)} role in this review.")


def study_of(review, pk):
    return get_object_or_404(included_studies(review), pk=pk)


def report(request, exc: ValidationError | PermissionDenied) -> None:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


def expected(request, name="version"):
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else -1
