from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from review import selectors
from review.forms import ExclusionReasonForm, SearchSourceEditForm, SearchSourceForm
from review.models import ExclusionReason, SearchSource
from review.permissions import get_review_for_user
from review.services.exclusions import exclusion_reason_save
from review.services.sources import source_create, source_update
from review.views.versions import posted_version


@require_http_methods(["GET", "POST"])
@login_required
def source_list(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    form = SearchSourceForm()
    if request.method == "POST":
        review, membership = get_review_for_user(request.user, slug, role="lead")
        form = SearchSourceForm(request.POST, instance=SearchSource(review=review))
        if form.is_valid():
            try:
                source_create(review=review, actor=request.user, **{
                    f: form.cleaned_data[f] for f in form.Meta.fields
                })
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Search source added.")
                return redirect("review:sources", slug=slug)
    return render(request, "review/sources.html", {
        "review": review, "membership": membership, "sources": selectors.source_counts(review), "form": form,
    })


@require_http_methods(["GET", "POST"])
@login_required
def source_edit(request, slug, pk):
    review, membership = get_review_for_user(request.user, slug, role="lead")
    source = get_object_or_404(SearchSource, review=review, pk=pk)
    form = SearchSourceEditForm(request.POST or None, instance=source, initial={"version": source.version})
    if request.method == "POST" and form.is_valid():
        source.refresh_from_db()
        try:
            source_update(source=source, actor=request.user, expected_version=form.cleaned_data["version"],
                          **{f: form.cleaned_data[f] for f in form.Meta.fields})
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Search source saved.")
            return redirect("review:sources", slug=slug)
    return render(request, "review/source_edit.html", {
        "review": review, "membership": membership, "source": source, "form": form,
    })


@require_http_methods(["GET", "POST"])
@login_required
def exclusion_reasons(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    form = ExclusionReasonForm()
    edit_form = editing = None
    if request.method == "POST":
        review, membership = get_review_for_user(request.user, slug, role="lead")
        reason_id = request.POST.get("reason_id", "")
        if reason_id and not reason_id.isdigit():
            raise Http404("No such exclusion reason.")
        instance = get_object_or_404(ExclusionReason, review=review, pk=reason_id) if reason_id else None
        bound = ExclusionReasonForm(request.POST, instance=instance or ExclusionReason(review=review))
        if instance is None:
            form = bound
        else:
            # A refused row edit is shown at the top of the page, its row keeping what was typed.
            edit_form = bound
            editing = {"pk": instance.pk, "label": request.POST.get("label", ""),
                       "position": request.POST.get("position", ""), "active": "active" in request.POST,
                       "version": request.POST.get("version", "")}
        if bound.is_valid():
            try:
                exclusion_reason_save(
                    review=review, actor=request.user, reason=instance,
                    expected_version=posted_version(request) if instance else None,
                    **{f: bound.cleaned_data[f] for f in bound.Meta.fields},
                )
            except ValidationError as exc:
                bound.add_error(None, exc)
            else:
                messages.success(request, "Exclusion reason saved.")
                return redirect("review:exclusion_reasons", slug=slug)
    return render(request, "review/exclusion_reasons.html", {
        "review": review, "membership": membership, "reasons": review.exclusion_reasons.all(), "form": form,
        "edit_form": edit_form, "editing": editing,
    })
