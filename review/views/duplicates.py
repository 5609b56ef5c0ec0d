from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from review import duplicate_selectors
from review.dedup.rules import CAUTIONS
from review.diffs import record_differences
from review.models import DuplicatePair, Record, SearchSource
from review.models.duplicates import PairStatus
from review.permissions import get_review_for_user
from review.services.duplicates import (
    NOT_A_MERGE,
    duplicate_confirm,
    duplicate_keep_other,
    duplicate_reject,
    record_merge,
    record_unmerge,
)
from review.tasks import run_dedup

NO_SUCH_RECORD = "There is no record {value!r} in this review."
MERGE_UNDONE = "Merge undone: record {record} is back in screening beside record {kept}."
KEPT_SWAPPED = "Record {kept} is now the kept copy; record {merged} is merged into it."
PAGE_SIZE = 50
MERGES_PAGE_SIZE = 25


class MergeFilterForm(forms.Form):
    """The automatic-merge list's filters; a value that does not parse is ignored, not an error page."""

    reason = forms.ChoiceField(required=False, label="Evidence")
    source = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Source")
    score_min = forms.FloatField(required=False, min_value=0, max_value=1, label="Score from")
    score_max = forms.FloatField(required=False, min_value=0, max_value=1, label="to")
    q = forms.CharField(required=False, max_length=200, label="Title, author or DOI")

    def __init__(self, data, *, sources):
        super().__init__(data)
        self.fields["reason"].choices = [("", "Any")] + [
            (key, label) for key, (label, _) in duplicate_selectors.REASON_FILTERS.items()
        ]
        self.fields["source"].choices = [("", "Any")] + [(pk, name) for pk, name in sources]

    def filters(self) -> duplicate_selectors.MergeFilters:
        self.is_valid()
        data = self.cleaned_data
        return duplicate_selectors.MergeFilters(
            reason=data.get("reason") or "", source=data.get("source"), score_min=data.get("score_min"),
            score_max=data.get("score_max"), text=data.get("q") or "",
        )


def _merge_rows(pairs):
    """Each merge with its reasons in words, for the side-by-side list."""
    return [
        {"pair": pair, "reasons": [duplicate_selectors.describe_reason(r) for r in pair.reasons]}
        for pair in pairs
    ]


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
    sources = list(SearchSource.objects.filter(review=review).order_by("name").values_list("pk", "name"))
    form = MergeFilterForm(request.GET, sources=sources)
    merges = Paginator(duplicate_selectors.automatic_merges(review, form.filters()), MERGES_PAGE_SIZE)
    merges_page = merges.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "review/duplicates.html", {
        "review": review, "membership": membership, "pending": pending[:200],
        "pending_count": pending.count(), "counts": counts,
        "removed": Record.objects.filter(review=review, duplicate_of__isnull=False).count(),
        "form": form, "merges_page": merges_page, "merges": _merge_rows(merges_page.object_list),
        "filter_query": query.urlencode(), "back": request.get_full_path(),
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
        "reasons": [duplicate_selectors.describe_reason(reason) for reason in pair.reasons],
        "deciding": membership.is_lead and pair.status == PairStatus.PENDING,
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
    keep = request.POST.get("keep", "")
    try:
        if decision == "merge":
            pair = duplicate_confirm(pair=pair, actor=request.user, keep=int(keep) if keep.isdigit() else None)
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


def _back_to_list(request, slug):
    """The automatic-merge list as the lead left it (filters and page), never another site."""
    back = request.POST.get("back", "")
    home = reverse("review:duplicates", args=[slug])
    if back.startswith(home) and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(home)


def _automatic_merge(request, slug, pk):
    review, _ = get_review_for_user(request.user, slug, role="lead")
    pair = get_object_or_404(DuplicatePair.objects.select_related("record"), review=review, pk=pk)
    return review, pair


@require_POST
@login_required
def duplicate_undo(request, slug, pk):
    _, pair = _automatic_merge(request, slug, pk)
    if pair.status != PairStatus.MERGED:
        messages.error(request, NOT_A_MERGE.format(status=pair.get_status_display()))
        return _back_to_list(request, slug)
    try:
        record_unmerge(record=pair.record, actor=request.user, reason=request.POST.get("reason", "").strip())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, MERGE_UNDONE.format(record=pair.record_id, kept=pair.kept_id))
    return _back_to_list(request, slug)


@require_POST
@login_required
def duplicate_keep_other_view(request, slug, pk):
    _, pair = _automatic_merge(request, slug, pk)
    try:
        pair = duplicate_keep_other(pair=pair, actor=request.user, reason=request.POST.get("reason", "").strip())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, KEPT_SWAPPED.format(kept=pair.kept_id, merged=pair.record_id))
    return _back_to_list(request, slug)


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
