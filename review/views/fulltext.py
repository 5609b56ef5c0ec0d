"""Full texts of the records that advanced: attach a PDF or link, or say why not; studies."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from review import study_suggestions
from review.models import FullText, Record, RecordStage, Study
from review.models.screening import Stage, StageStatus
from review.permissions import ROLE_REQUIRED, get_review_for_user
from review.screening.services import fulltext_attach, fulltext_mark_not_retrieved, study_link
from review.views.versions import posted_version


class AttachForm(forms.Form):
    pdf = forms.FileField(required=False, label="PDF")
    url = forms.URLField(required=False, label="Link", max_length=1000, assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NotRetrievedForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _retriever(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    if not (membership.is_lead or membership.is_reviewer):
        raise PermissionDenied(ROLE_REQUIRED.format(role="reviewer"))
    return review, membership


@require_safe
@login_required
def fulltext_list(request, slug):
    review, membership = _retriever(request, slug)
    rows = (
        RecordStage.objects.filter(review=review, stage=Stage.FULL_TEXT, record__duplicate_of__isnull=True)
        .select_related("record", "record__full_text").order_by("record__title", "record_id")
    )
    return render(request, "review/screening/fulltext_list.html", {"review": review, "membership": membership, "rows": rows})


@require_http_methods(["GET", "POST"])
@login_required
def fulltext_detail(request, slug, pk):
    review, membership = _retriever(request, slug)
    row = get_object_or_404(
        RecordStage.objects.select_related("record"), review=review, stage=Stage.FULL_TEXT, record_id=pk,
        record__duplicate_of__isnull=True,
    )
    record = row.record
    full_text = FullText.objects.filter(record=record).first()
    version = full_text.version if full_text else 0
    attach_form = AttachForm(initial={"version": version})
    missing_form = NotRetrievedForm(initial={"version": version})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "attach":
                attach_form = AttachForm(request.POST, request.FILES)
                if attach_form.is_valid():
                    data = attach_form.cleaned_data
                    fulltext_attach(record=record, actor=request.user, pdf=data["pdf"], url=data["url"],
                                    version=data["version"])
                    messages.success(request, "Full text attached.")
                    return redirect("review:fulltext_detail", slug=slug, pk=pk)
            else:
                missing_form = NotRetrievedForm(request.POST)
                if missing_form.is_valid():
                    data = missing_form.cleaned_data
                    fulltext_mark_not_retrieved(record=record, actor=request.user, reason=data["reason"],
                                                version=data["version"])
                    messages.success(request, "Marked as not retrieved.")
                    return redirect("review:fulltext_detail", slug=slug, pk=pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(request, "review/screening/fulltext_detail.html", {
        "review": review, "membership": membership, "record": record, "row": row, "full_text": full_text,
        "attach_form": attach_form, "missing_form": missing_form,
    })


@require_safe
@login_required
def fulltext_pdf(request, slug, pk):
    review, membership = get_review_for_user(request.user, slug)
    full_text = get_object_or_404(FullText, record__review=review, record_id=pk)
    if not full_text.pdf:
        raise Http404("No PDF stored for this record.")
    # Served through the view, never from MEDIA_URL, so membership scoping applies to the file.
    # Inline, and frameable by Concord's own pages only, so it can open beside the form.
    response = FileResponse(full_text.pdf.open("rb"), content_type="application/pdf", filename=f"record-{pk}.pdf")
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response


@require_safe
@login_required
def included_list(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    return _included_page(request, review, membership)


def _included_page(request, review, membership, *, errors=(), editing=None):
    records = (
        Record.objects.filter(review=review, duplicate_of__isnull=True, stages__stage=Stage.FULL_TEXT,
                              stages__status=StageStatus.INCLUDED)
        .select_related("study").order_by("study__label", "year", "id")
    )
    records = list(records)
    reports = [study_suggestions.Report(r.pk, r.study_id, r.first_author, r.title,
                                        " ".join([r.title, r.abstract, str(r.extra or "")])) for r in records]
    by_pk = {r.pk: r for r in records}
    grouping = [{"keep": by_pk[s.keep.pk], "move": by_pk[s.move.pk], "why": s.why}
                for s in study_suggestions.suggestions(reports)] if membership.is_lead else []
    return render(request, "review/screening/included.html", {
        "review": review, "membership": membership, "records": records, "studies": Study.objects.filter(review=review),
        "errors": errors, "editing": editing, "grouping": grouping,
    })


@require_POST
@login_required
def study_link_view(request, slug, pk):
    review, membership = get_review_for_user(request.user, slug, role="lead")
    record = get_object_or_404(Record, review=review, pk=pk)
    study_id = request.POST.get("study", "")
    study = Study.objects.filter(review=review, pk=study_id).first() if study_id.isdigit() else None
    label = request.POST.get("label", "")[:200]
    try:
        study_link(record=record, actor=request.user, study=study, label=label,
                   expected_version=posted_version(request))
    except ValidationError as exc:
        # The page comes back with the error on top and this report's choice as it was made.
        editing = {"pk": record.pk, "study": study.pk if study else None, "label": label,
                   "version": request.POST.get("version", "")}
        return _included_page(request, review, membership, errors=exc.messages, editing=editing)
    messages.success(request, "Report linked to its study.")
    return redirect("review:included", slug=slug)
