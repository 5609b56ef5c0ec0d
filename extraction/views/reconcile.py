"""Side-by-side reconciliation, resolutions, lock and unlock."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from extraction.definitions import cells_of, choice_labels
from extraction.formspec import display, same
from extraction.instruments import INSTRUMENTS, JUDGEMENT_LABELS
from extraction.models import Consensus, Discrepancy, Extraction
from extraction.services.consensus import (
    agreed_consensus,
    consensus_lock,
    consensus_lock_agreed,
    consensus_unlock,
)
from extraction.services.reconciliation import consensus_value_set, discrepancy_resolve
from extraction.views.common import expected, report, require_any_role, review_for, study_of
from review.diffs import segments

NOT_YET = "Reconciliation opens when both extractors have submitted."


def _consensus_of(review, pk) -> Consensus:
    return get_object_or_404(Consensus.objects.select_related("study", "form_version"), pk=pk, study__review=review)


def _url_name(kind):
    return "extraction:reconcile_extraction" if kind == "extraction" else "extraction:reconcile_appraisal"


def _reconcile(request, slug, pk, kind):
    review, membership = review_for(request, slug)
    study = study_of(review, pk)
    consensus = Consensus.objects.filter(study=study, kind=kind).select_related("form_version").first()
    assigned = Extraction.objects.filter(study=study, kind=kind, user=request.user).exists()
    resolver = membership.is_lead or membership.is_arbiter
    if not (resolver or assigned):
        raise PermissionDenied("This page needs the lead or arbiter role, or an assignment to this study.")
    if consensus is None:
        # Before both have submitted there is nothing to compare, and nothing of either is shown.
        messages.info(request, NOT_YET)
        return redirect("extraction:overview", slug=slug)
    pair = {e.slot: e for e in Extraction.objects.filter(study=study, kind=kind).select_related("user")}
    discrepancies = {d.key: d for d in consensus.discrepancies.all()}
    names = choice_labels(consensus.instrument) if consensus.instrument else {}

    def shown(key, value):
        text = display(value)
        return names.get(key, {}).get(text, text)

    rows = []
    for position, cell in enumerate(cells_of(consensus)):
        a, b = pair["a"].data.get(cell.key), pair["b"].data.get(cell.key)
        row = {"cell": cell, "a": shown(cell.key, a), "b": shown(cell.key, b), "position": position,
               "agree": same(cell.type, a, b), "discrepancy": discrepancies.get(cell.key),
               "consensus": shown(cell.key, consensus.data.get(cell.key))}
        if not row["agree"]:
            # The words that differ between the two entries are marked on each side.
            row["a_parts"], row["b_parts"] = segments(str(row["a"]), str(row["b"]))
        rows.append(row)
    # Discrepancies first, the open ones at the top; agreed fields after them, or hidden.
    only = request.GET.get("show") == "discrepancies"
    rows.sort(key=lambda r: (r["agree"], bool(r["discrepancy"] and r["discrepancy"].resolved), r["position"]))
    if only:
        rows = [r for r in rows if not r["agree"]]
    total = len(discrepancies)
    settled = sum(1 for d in discrepancies.values() if d.resolved)
    assessment = None
    if consensus.instrument:
        result = INSTRUMENTS[consensus.instrument].score(consensus.data)
        assessment = JUDGEMENT_LABELS.get(result.overall or "", "incomplete")
    return render(request, "extraction/reconcile.html", {
        "review": review, "membership": membership, "study": study, "consensus": consensus, "kind": kind,
        "rows": rows, "pair": pair, "total": total, "settled": settled, "open": total - settled,
        "resolver": resolver, "assessment": assessment, "only_discrepancies": only,
    })


@require_GET
@login_required
def reconcile_extraction(request, slug, pk):
    return _reconcile(request, slug, pk, "extraction")


@require_GET
@login_required
def reconcile_appraisal(request, slug, pk):
    return _reconcile(request, slug, pk, "appraisal")


@require_POST
@login_required
def resolve(request, slug, pk):
    review, membership = review_for(request, slug)
    require_any_role(membership, "lead", "arbiter")
    item = get_object_or_404(Discrepancy.objects.select_related("consensus"), pk=pk,
                             consensus__study__review=review)
    try:
        discrepancy_resolve(discrepancy=item, choice=request.POST.get("choice", ""), value=request.POST.get("value"),
                            reason=request.POST.get("reason", ""), actor=request.user,
                            expected_version=expected(request))
    except ValidationError as exc:
        report(request, exc)
    else:
        messages.success(request, "Discrepancy settled.")
    return redirect(_url_name(item.consensus.kind), slug=slug, pk=item.consensus.study_id)


@require_POST
@login_required
def lock(request, slug, pk):
    review, _ = review_for(request, slug, role="lead")
    consensus = _consensus_of(review, pk)
    try:
        consensus_lock(consensus=consensus, actor=request.user, expected_version=expected(request))
    except ValidationError as exc:
        report(request, exc)
    else:
        messages.success(request, "Consensus locked.")
    return redirect(_url_name(consensus.kind), slug=slug, pk=consensus.study_id)


@require_POST
@login_required
def unlock(request, slug, pk):
    review, _ = review_for(request, slug, role="lead")
    consensus = _consensus_of(review, pk)
    try:
        consensus_unlock(consensus=consensus, actor=request.user, reason=request.POST.get("reason", ""),
                         expected_version=expected(request))
    except ValidationError as exc:
        report(request, exc)
    else:
        messages.success(request, "Consensus unlocked.")
    return redirect(_url_name(consensus.kind), slug=slug, pk=consensus.study_id)




@require_POST
@login_required
def correct(request, slug, pk):
    """Correct one consensus value, also one both extractors agreed on (e.g. after an erratum)."""
    review, membership = review_for(request, slug)
    require_any_role(membership, "lead", "arbiter")
    consensus = _consensus_of(review, pk)
    try:
        consensus_value_set(consensus=consensus, key=request.POST.get("key", ""), raw=request.POST.get("value"),
                            reason=request.POST.get("reason", ""), actor=request.user,
                            expected_version=expected(request))
    except ValidationError as exc:
        report(request, exc)
    else:
        messages.success(request, "Consensus value corrected.")
    return redirect(_url_name(consensus.kind), slug=slug, pk=consensus.study_id)


@require_http_methods(["GET", "POST"])
@login_required
def lock_agreed(request, slug, kind):
    """One audited action that locks every agreed study, after the lead has seen the list."""
    review, membership = review_for(request, slug, role="lead")
    if kind not in ("extraction", "appraisal"):
        raise Http404("Unknown kind of consensus.")
    if request.method == "POST":
        ids = [int(i) for i in request.POST.get("ids", "").split(",") if i.isdigit()]
        try:
            locked = consensus_lock_agreed(review=review, kind=kind, actor=request.user, expected_ids=ids)
        except ValidationError as exc:
            report(request, exc)
        else:
            messages.success(request, f"{len(locked)} stud{'y' if len(locked) == 1 else 'ies'} locked: "
                                      + ", ".join(c.study.label for c in locked) + ".")
            return redirect("extraction:overview", slug=slug)
    rows = list(agreed_consensus(review, kind))
    return render(request, "extraction/lock_agreed.html", {
        "review": review, "membership": membership, "kind": kind, "rows": rows,
        "ids": ",".join(str(c.pk) for c in rows),
    })
