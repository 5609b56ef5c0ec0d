from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from extraction.instruments import DESIGNS, INSTRUMENTS
from extraction.models import AppraisalPlan, Assignment, Kind
from extraction.selectors import included_studies, suggested_designs
from extraction.services.appraisal import appraisal_plan_set
from extraction.services.assignments import assignment_set, assignment_token, assignments_balance
from extraction.views.common import expected, report, review_for, study_of
from review.models import Membership


@require_http_methods(["GET", "POST"])
@login_required
def assignments(request, slug):
    review, membership = review_for(request, slug, role="lead")
    if request.method == "POST":
        study = study_of(review, request.POST.get("study") if str(request.POST.get("study", "")).isdigit() else 0)
        kind = request.POST.get("kind")
        if kind not in Kind.values:
            kind = Kind.EXTRACTION
        users = list(get_user_model().objects.filter(
            pk__in=[request.POST.get("user_a") or 0, request.POST.get("user_b") or 0],
            memberships__review=review).distinct())
        by_pk = {str(u.pk): u for u in users}
        chosen = [by_pk.get(request.POST.get("user_a", "")), by_pk.get(request.POST.get("user_b", ""))]
        try:
            if None in chosen:
                raise ValidationError("Choose two members.")
            assignment_set(study=study, kind=kind, users=chosen, actor=request.user, expected_version=expected(request))
        except ValidationError as exc:
            if getattr(exc, "code", None) != "stale":
                report(request, exc)
                return redirect("extraction:assignments", slug=slug)
            typed = {"a": request.POST.get("user_a", ""), "b": request.POST.get("user_b", ""),
                     "version": request.POST.get("version", "")}
            return _page(request, review, membership, errors=exc.messages, typed={(study.pk, kind): typed})
        messages.success(request, f"{study.label}: {Kind(kind).label.lower()} assigned.")
        return redirect("extraction:assignments", slug=slug)
    return _page(request, review, membership)


def _page(request, review, membership, *, errors=(), typed=None):
    """The assignments page; after a stale edit, ``typed`` keeps the refused row's choices by
    (study id, kind), where kind "plan" is the design and instrument form."""
    typed = typed or {}
    studies = list(included_studies(review))
    current, pairs = {}, {}
    for a in Assignment.objects.filter(study__review=review).select_related("user"):
        current.setdefault((a.study_id, a.kind), {})[a.slot] = a.user
        pairs.setdefault((a.study_id, a.kind), []).append(a)
    plans = {p.study_id: p for p in AppraisalPlan.objects.filter(study__review=review)}
    suggested = suggested_designs(review)
    rows = []
    for s in studies:
        row = {"study": s, "plan": plans.get(s.pk),
               "design": plans[s.pk].design if s.pk in plans else suggested.get(s.pk),
               "plan_version": plans[s.pk].version if s.pk in plans else 0, "plan_typed": typed.get((s.pk, "plan"))}
        for kind in Kind.values:
            row[kind] = current.get((s.pk, kind), {})
            row[f"{kind}_version"] = assignment_token(pairs.get((s.pk, kind), []))
            row[f"{kind}_typed"] = typed.get((s.pk, kind))
        rows.append(row)
    reviewers = [m.user for m in Membership.active.filter(review=review, is_reviewer=True).select_related("user")]
    return render(request, "extraction/assignments.html", {
        "review": review, "membership": membership, "rows": rows, "reviewers": reviewers, "errors": errors,
        "designs": DESIGNS, "instruments": [(code, i.name) for code, i in INSTRUMENTS.items()],
    })


@require_POST
@login_required
def balance(request, slug):
    review, _ = review_for(request, slug, role="lead")
    kind = request.POST.get("kind") if request.POST.get("kind") in Kind.values else Kind.EXTRACTION
    try:
        count = assignments_balance(review=review, kind=kind, actor=request.user)
    except ValidationError as exc:
        report(request, exc)
    else:
        messages.success(request, f"{count} stud{'y' if count == 1 else 'ies'} assigned for {Kind(kind).label.lower()}.")
    return redirect("extraction:assignments", slug=slug)


@require_POST
@login_required
def plan(request, slug, pk):
    review, membership = review_for(request, slug, role="lead")
    study = study_of(review, pk)
    typed = {name: request.POST.get(name, "") for name in ("design", "instrument", "reason", "version")}
    try:
        appraisal_plan_set(study=study, design=typed["design"], actor=request.user, instrument=typed["instrument"],
                           reason=typed["reason"], expected_version=expected(request))
    except ValidationError as exc:
        if getattr(exc, "code", None) != "stale":
            report(request, exc)
            return redirect("extraction:assignments", slug=slug)
        return _page(request, review, membership, errors=exc.messages, typed={(study.pk, "plan"): typed})
    messages.success(request, f"{study.label}: appraisal instrument set.")
    return redirect("extraction:assignments", slug=slug)
