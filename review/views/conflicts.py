"""Conflicts: the arbiter's list and page, and the lead's send-back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from review.models import Conflict, ExclusionReason, RecordStage, Resolution
from review.permissions import ROLE_REQUIRED, get_review_for_user
from review.screening import selectors
from review.screening.services import conflict_resolve, record_send_back
from review.templatetags.screening import Highlighter

# Pages that offer a send-back, and where the lead lands after it.
SEND_BACK_RETURNS = {
    "conflicts": "review:conflicts",
    "duplicate_disagreements": "review:duplicate_disagreements",
}


def _arbiter_or_lead(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    if not (membership.is_arbiter or membership.is_lead):
        raise PermissionDenied(ROLE_REQUIRED.format(role="arbiter"))
    return review, membership


@require_safe
@login_required
def conflict_list(request, slug):
    review, membership = _arbiter_or_lead(request, slug)
    return render(request, "review/screening/conflicts.html", {
        "review": review, "membership": membership, "conflicts": selectors.open_conflicts(review),
    })


@require_http_methods(["GET", "POST"])
@login_required
def conflict_detail(request, slug, pk):
    # Only arbiters see the votes side by side: a lead who also screens must stay blind.
    review, membership = get_review_for_user(request.user, slug, role="arbiter")
    conflict = get_object_or_404(Conflict.objects.select_related("record", "record__source"), record__review=review, pk=pk)
    if request.method == "POST":
        reason_id = request.POST.get("exclusion_reason", "")
        reason = ExclusionReason.objects.filter(review=review, pk=reason_id).first() if reason_id.isdigit() else None
        try:
            conflict_resolve(
                conflict=conflict, arbiter=request.user, outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", "")[:5000], exclusion_reason=reason,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            # The arbiter goes straight on to the next conflict, oldest first, as in the list.
            following = selectors.open_conflicts(review).first()
            if following is None:
                messages.success(request, "Conflict settled. No conflicts are left.")
                return redirect("review:conflicts", slug=slug)
            left = selectors.open_conflicts(review).count()
            messages.success(request, f"Conflict settled. Next conflict ({left} left).")
            return redirect("review:conflict_detail", slug=slug, pk=following.pk)
    decisions = conflict.record_stage.decisions.select_related("reviewer", "exclusion_reason")
    resolution = (Resolution.objects.select_related("arbiter", "exclusion_reason").filter(conflict=conflict).first()
                  if conflict.status != "open" else None)
    return render(request, "review/screening/conflict_detail.html", {
        "review": review, "membership": membership, "conflict": conflict, "record": conflict.record,
        "decisions": decisions, "reasons": ExclusionReason.objects.filter(review=review, active=True),
        "resolution": resolution, "highlighter": Highlighter(review.inclusion_terms, review.exclusion_terms),
    })


@require_POST
@login_required
def send_back(request, slug, pk):
    review, membership = get_review_for_user(request.user, slug, role="lead")
    row = get_object_or_404(RecordStage, review=review, pk=pk)
    try:
        record_send_back(record_stage=row, actor=request.user, reason=request.POST.get("reason", "")[:2000])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Record sent back to its reviewers; their votes were reset.")
    return redirect(SEND_BACK_RETURNS.get(request.POST.get("next"), "review:dashboard"), slug=slug)
