from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from review import duplicate_selectors
from review.dedup.rules import CAUTIONS
from review.diffs import record_differences
from review.models import DuplicatePair, Record
from review.models.duplicates import PairStatus
from review.permissions import get_review_for_user
from review.services.duplicates import (
    duplicate_confirm,
    duplicate_reject,
    record_merge,
    record_unmerge,
)
from review.tasks import run_dedup

NO_SUCH_RECORD = "There is no record {value!r} in this review."
PAGE_SIZE = 50


@require_safe
@login_required
def duplicate_queue(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    pending = (
        DuplicatePair.objects.filter(review=review, status=PairStatus.PENDING)
        .select_related("record", "kept").order_by("-score", "id")
    )
    counts = DuplicatePair.objects.filter(review=review).aggregate(
        merged_auto=Count("id", filter=Q(status=PairStatus.MERGED, automatic=True)),
        merged_manual=Count("id", filter=Q(status=PairStatus.MERGED, automatic=False)),
        rejected=Count("id", filter=Q(status=PairStatus.REJECTED)),
        related=Count("id", filter=Q(status=PairStatus.LINKED)),
        unmerged=Count("id", filter=Q(status=PairStatus.UNMERGED)),
        screening_disagreements=Count("id", filter=duplicate_selectors.SCREENING_DISAGREEMENT),
    )
    return render(request, "review/duplicates.html", {
        "review": review, "membership": membership, "pending": pending[:200],
        "pending_count": pending.count(), "counts": counts,
        "removed": Record.objects.filter(review=review, duplicate_of__isnull=False).count(),
    })


@require_safe
@login_required
def duplicate_pair(request, slug, pk):
    review, membership = get_review_for_user(request.user, slug)
    pair = get_object_or_404(DuplicatePair.objects.select_related("record__source", "kept__source"),
                             review=review, pk=pk)
    next_pair = _next_pending(review, exclude=pair.pk)
    return render(request, "review/duplicate_pair.html", {
        "review": review, "membership": membership, "pair": pair, "next_pair": next_pair,
        "rows": record_differences(pair.record, pair.kept),
        "cautions": [CAUTIONS[reason] for reason in pair.reasons if reason in CAUTIONS],
    })


@require_safe
@login_required
def duplicate_disagreements(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    pairs = duplicate_selectors.screening_disagreement_pairs(review)
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "review/duplicate_disagreements.html", {
        "review": review, "membership": membership, "page": page,
        "disagreements": duplicate_selectors.screening_disagreements(page.object_list),
    })


def _next_pending(review, exclude=None):
    """The queue's next pair: highest score first, as the queue page lists them."""
    pending = DuplicatePair.objects.filter(review=review, status=PairStatus.PENDING).exclude(pk=exclude)
    return pending.order_by("-score", "id").values_list("pk", flat=True).first()


def _after_decision(slug, review):
    next_pk = _next_pending(review)
    if next_pk:
        return redirect("review:duplicate_pair", slug=slug, pk=next_pk)
    return redirect("review:duplicates", slug=slug)


@require_POST
@login_required
def duplicate_decide(request, slug, pk):
    review, _ = get_review_for_user(request.user, slug, role="lead")
    pair = get_object_or_404(DuplicatePair, review=review, pk=pk)
    decision = request.POST.get("decision")
    try:
        if decision == "merge":
            duplicate_confirm(pair=pair, actor=request.user)
            messages.success(request, f"Record {pair.record_id} merged into record {pair.kept_id}.")
        elif decision == "distinct":
            duplicate_reject(pair=pair, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "Marked as two different records.")
        else:
            messages.error(request, "Choose merge or not duplicates.")
            return redirect("review:duplicate_pair", slug=slug, pk=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_decision(slug, review)


@require_POST
@login_required
def duplicate_run(request, slug):
    review, _ = get_review_for_user(request.user, slug, role="lead")
    transaction.on_commit(lambda: run_dedup.enqueue(review.pk, request.user.pk))
    messages.info(request, "De-duplication started; new pairs appear in the queue when it is done.")
    return redirect("review:duplicates", slug=slug)


@require_POST
@login_required
def record_merge_view(request, slug, pk):
    review, _ = get_review_for_user(request.user, slug, role="lead")
    record = get_object_or_404(Record, review=review, pk=pk)
    value = request.POST.get("into", "").strip().lstrip("#")
    into = Record.objects.filter(review=review, pk=value).first() if value.isdigit() else None
    if into is None:
        messages.error(request, NO_SUCH_RECORD.format(value=value))
        return redirect("review:record_detail", slug=slug, pk=pk)
    try:
        record_merge(record=record, into=into, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Record {record.pk} merged into record {into.pk}.")
    return redirect("review:record_detail", slug=slug, pk=pk)


@require_POST
@login_required
def record_unmerge_view(request, slug, pk):
    review, _ = get_review_for_user(request.user, slug, role="lead")
    record = get_object_or_404(Record, review=review, pk=pk)
    try:
        record_unmerge(record=record, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Merge undone: the record is back in screening.")
    return redirect("review:record_detail", slug=slug, pk=pk)
