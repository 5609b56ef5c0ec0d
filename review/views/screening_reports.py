"""The lead's screening dashboard, the PRISMA page and diagram, and the screening exports."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from concord import spreadsheets
from review.blinding import exports_closed, votes_hidden_from
from review.permissions import ROLE_REQUIRED, get_review_for_user
from review.prisma import DBR, OTHER, prisma_counts, summary_rows
from review.prisma_export import CONTENT_TYPES, FORMATS
from review.prisma_export import render as prisma_render
from review.screening import exports as screening_exports
from review.screening import selectors as screening_selectors
from review.screening.agreement import agreement_csv, agreement_for, agreement_xlsx
from review.screening.kept import kept
from review.views.screening_ranking import lead_panel

BLIND_EXPORT = "Blind mode is on and you screen in this review: exports with colleagues' votes stay closed."


@require_safe
@login_required
def dashboard(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    if not (membership.is_lead or membership.is_arbiter):
        raise PermissionDenied(ROLE_REQUIRED.format(role="lead"))
    return render(request, "review/screening/dashboard.html", {
        "review": review, "membership": membership,
        "counts": screening_selectors.stage_counts(review),
        "reviewers": screening_selectors.reviewer_stats(review),
        "agreement": agreement_for(review),
        # Kept per review state: conflicts open and close only with an event of the review.
        "conflicts": kept(review, "open_conflicts", lambda: screening_selectors.open_conflicts(review).count()),
        "prioritised": lead_panel(review) if membership.is_lead else None,
    })


@require_safe
@login_required
def export_agreement(request, slug, fmt):
    """The dashboard's agreement table as a spreadsheet, for whoever may read the dashboard.

    It carries what the dashboard shows (settled records only), so it follows the dashboard's
    rule rather than that of the vote exports.
    """
    review, membership = get_review_for_user(request.user, slug)
    if not (membership.is_lead or membership.is_arbiter):
        raise PermissionDenied(ROLE_REQUIRED.format(role="lead"))
    if fmt == "csv":
        return _attachment(agreement_csv(review), spreadsheets.CSV_CONTENT_TYPE, f"agreement-{review.slug}.csv")
    if fmt == "xlsx":
        return _attachment(agreement_xlsx(review), spreadsheets.XLSX_CONTENT_TYPE, f"agreement-{review.slug}.xlsx")
    raise Http404("Unknown format.")


@require_safe
@login_required
def prisma_page(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    counts = prisma_counts(review)
    return render(request, "review/screening/prisma.html", {
        "review": review, "membership": membership, "counts": counts, "data": counts.as_dict(),
        "dbr": counts.columns[DBR], "other": counts.columns[OTHER], "formats": FORMATS,
        "rows": summary_rows(counts),
    })


@require_safe
@login_required
def prisma_download(request, slug, fmt):
    review, membership = get_review_for_user(request.user, slug)
    if fmt not in FORMATS:
        raise Http404("Unknown format.")
    response = HttpResponse(prisma_render(prisma_counts(review), fmt), content_type=CONTENT_TYPES[fmt])
    if fmt != "svg" or request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="prisma-{review.slug}.{fmt}"'
    return response


def _export_allowed(review, membership) -> None:
    if not membership.is_lead:
        raise PermissionDenied(ROLE_REQUIRED.format(role="lead"))
    # A lead who also screens must not read colleagues' votes through an export.
    if exports_closed(review, membership):
        raise PermissionDenied(BLIND_EXPORT)


def _attachment(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@login_required
def export_included(request, slug, fmt):
    review, membership = get_review_for_user(request.user, slug)
    _export_allowed(review, membership)
    if fmt == "ris":
        return _attachment(screening_exports.included_ris(review), "application/x-research-info-systems",
                           f"included-{review.slug}.ris")
    if fmt == "csv":
        return _attachment(screening_exports.included_csv(review), spreadsheets.CSV_CONTENT_TYPE,
                           f"included-{review.slug}.csv")
    raise Http404("Unknown format.")


@require_safe
@login_required
def export_votes(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    _export_allowed(review, membership)
    # Out of blind mode a lead who screens still gets no vote on a record they have yet to vote on.
    body = screening_exports.votes_csv(review, hidden=votes_hidden_from(membership))
    return _attachment(body, spreadsheets.CSV_CONTENT_TYPE, f"votes-{review.slug}.csv")
