"""The analyses list, the editor, running, and the results page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from analysis import services
from analysis.availability import availability
from analysis.figures import FORMATS, KINDS
from analysis.forms import AnalysisForm, initial_for
from analysis.presentation import shown_results
from analysis.r_code import csv_name, r_code
from analysis.selectors import analysis_status, in_report, report_order, review_statuses
from analysis.tasks import run_all_analyses
from analysis.views.common import member_review, review_analysis
from extraction.selectors import locked_consensus

RAN = "Computed {name} from the locked data."
RAN_ALL = "Recomputing {count} analyses from the locked data in the background; reload this page in a moment."
SAVED = "Saved {name}. Run it to see the results."
DELETED = "Deleted {name}."
ARRANGED = "Saved which analyses the report shows, and in what order."
BAD_ORDER = "The order of {name} must be a whole number from 1."


@require_safe
@login_required
def analysis_list(request, slug):
    review, membership = member_review(request, slug)
    statuses = review_statuses(review)
    return render(
        request,
        "analysis/list.html",
        {
            "review": review,
            "membership": membership,
            "statuses": statuses,
            "report_rows": [(s, *in_report(s)) for s in report_order(statuses)],
        },
    )


@require_POST
@login_required
def report_arrange(request, slug):
    """The lead's choice of analyses for the printable report, from the list page."""
    review, _ = member_review(request, slug, lead=True)
    choices = {}
    for analysis in review.analyses.all():
        order = request.POST.get(f"order_{analysis.pk}")
        if order is None:
            continue  # not on the page the lead submitted: its choice stays
        if not order.strip().isdigit() or int(order) < 1:
            messages.error(request, BAD_ORDER.format(name=analysis.name))
            return redirect("analysis:list", slug=review.slug)
        choices[analysis.pk] = (f"in_report_{analysis.pk}" in request.POST, int(order))
    services.report_arrange(review=review, actor=request.user, choices=choices)
    messages.success(request, ARRANGED)
    return redirect("analysis:list", slug=review.slug)


def _save(request, review, membership, analysis=None):
    form = AnalysisForm(request.POST, available=availability(review))
    if form.is_valid():
        try:
            if analysis is None:
                analysis = services.analysis_create(
                    review=review, actor=request.user, values=form.values()
                )
            else:
                analysis = services.analysis_update(
                    analysis=analysis,
                    actor=request.user,
                    values=form.values(),
                    expected_version=form.cleaned_data["version"],
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, SAVED.format(name=analysis.name))
            return redirect("analysis:detail", slug=review.slug, pk=analysis.pk)
    return _editor(request, review, membership, form, analysis, status=400)


def _editor(request, review, membership, form, analysis=None, status=200):
    return render(
        request,
        "analysis/edit.html",
        {
            "review": review,
            "membership": membership,
            "form": form,
            "analysis": analysis,
            "available": form.available,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def analysis_new(request, slug):
    review, membership = member_review(request, slug, lead=True)
    if request.method == "POST":
        return _save(request, review, membership)
    return _editor(request, review, membership, AnalysisForm(available=availability(review)))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def analysis_edit(request, slug, pk):
    review, membership = member_review(request, slug, lead=True)
    analysis = review_analysis(review, pk)
    if request.method == "POST":
        return _save(request, review, membership, analysis)
    form = AnalysisForm(initial=initial_for(analysis), available=availability(review))
    return _editor(request, review, membership, form, analysis)


@require_POST
@login_required
def analysis_delete(request, slug, pk):
    review, _ = member_review(request, slug, lead=True)
    analysis = review_analysis(review, pk)
    services.analysis_delete(analysis=analysis, actor=request.user)
    messages.success(request, DELETED.format(name=analysis.name))
    return redirect("analysis:list", slug=review.slug)


@require_POST
@login_required
def analysis_run(request, slug, pk):
    review, _ = member_review(request, slug, lead=True)
    analysis = review_analysis(review, pk)
    try:
        services.analysis_run(analysis=analysis, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, RAN.format(name=analysis.name))
    return redirect("analysis:detail", slug=review.slug, pk=analysis.pk)


@require_POST
@login_required
def run_all(request, slug):
    review, _ = member_review(request, slug, lead=True)
    try:
        services.refuse_tampered(locked_consensus(review, kind="extraction").tampered)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("analysis:list", slug=review.slug)
    actor_id = request.user.pk
    transaction.on_commit(lambda: run_all_analyses.enqueue(review.pk, actor_id))
    messages.success(request, RAN_ALL.format(count=review.analyses.count()))
    return redirect("analysis:list", slug=review.slug)


def _influence_rows(results) -> list[tuple[dict, dict | None]]:
    """Each study's diagnostics beside its leave-one-out fit (the estimate without it)."""
    influence = (results or {}).get("influence")
    if not isinstance(influence, list):
        return []
    leave1out = results.get("leave1out")
    by_label = {r["label"]: r for r in leave1out} if isinstance(leave1out, list) else {}
    return [(r, by_label.get(r["label"])) for r in influence]


@require_safe
@login_required
def analysis_detail(request, slug, pk):
    review, membership = member_review(request, slug)
    status = analysis_status(review_analysis(review, pk))
    results = shown_results(status.run.results) if status.run else None
    code = ""
    if status.run is not None:
        # From the stored run, not the page's presentation of it: the code reproduces the run.
        name = status.analysis.name
        code = r_code(name=name, results=status.run.results, csv_name=csv_name(name))
    return render(
        request,
        "analysis/detail.html",
        {
            "review": review,
            "membership": membership,
            "status": status,
            "analysis": status.analysis,
            "run": status.run,
            "results": results,
            "influence_rows": _influence_rows(results),
            "r_code": code,
            "kinds": KINDS,
            "formats": FORMATS,
        },
    )
