from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from review import duplicate_selectors, selectors
from review.models import Record
from review.models.records import PublicationType
from review.models.screening import StageStatus
from review.permissions import get_review_for_user
from review.screening.record_page import record_screening
from review.views.screening import STAGE_SLUGS

PAGE_SIZE = 50


def _int_or_none(value: str | None):
    return int(value) if value and value.isdigit() else None


@require_safe
@login_required
def record_list(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    q = request.GET.get("q", "").strip()[:200]
    source_id = _int_or_none(request.GET.get("source"))
    year = _int_or_none(request.GET.get("year"))
    publication_type = request.GET.get("type", "")
    if publication_type not in PublicationType.values:
        publication_type = ""
    status = request.GET.get("status", "")
    status = status if status in selectors.STATUS_FILTERS else ""
    labels = selectors.own_labels(review, request.user)
    label = request.GET.get("label", "")
    label = label if label in labels else ""
    records = selectors.records_filtered(
        review, q=q, source_id=source_id, year=year, publication_type=publication_type,
        status=status, label=label, user=request.user,
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = dict(StageStatus.choices)
    for record in page:
        record.ta_label = shown.get(record.ta_status, shown[StageStatus.AWAITING])
        record.ft_label = shown.get(record.ft_status, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "review/records.html", {
        "review": review, "membership": membership, "page": page, "q": q,
        "sources": review.sources.all(), "years": selectors.record_years(review),
        "types": PublicationType.choices, "source_id": source_id, "year": year,
        "publication_type": publication_type, "query": query.urlencode(),
        "statuses": selectors.STATUS_FILTERS.items(), "status": status, "labels": labels, "label": label,

    })


@require_safe
@login_required
def record_detail(request, slug, pk):
    review, membership = get_review_for_user(request.user, slug)
    record = get_object_or_404(Record.objects.select_related("source", "record_import", "study", "review"), review=review, pk=pk)
    # The lead's manual merge finds the other copy by what a person remembers of it.
    find = request.GET.get("find", "").strip()[:200]
    can_merge = membership.is_lead and not record.duplicate_of_id
    return render(request, "review/record_detail.html", {
        "review": review, "membership": membership, "record": record,
        "screening": record_screening(record, request.user, STAGE_SLUGS),
        "find": find if can_merge else "",
        "candidates": duplicate_selectors.merge_candidates(record, find) if can_merge and find else [],
        "candidate_limit": duplicate_selectors.MERGE_CANDIDATE_LIMIT,
    })
