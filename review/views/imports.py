from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from concord.nul_bytes import refused_form
from review.forms import ColumnMapForm, ImportUploadForm
from review.import_jobs import import_enqueue, imports_recover
from review.importers import (
    FORMATS,
    ImportFileError,
    automatic_picks,
    csv_headers,
    detect_format,
    preview_rows,
)
from review.models import RecordImport
from review.models.imports import ImportStatus
from review.permissions import get_review_for_user
from review.services.imports import import_create, import_progress
from review.upload_limits import file_too_large_message, install_size_limit

TABULAR = {"csv", "tsv", "xlsx"}
PREVIEW_ROWS = 5
NO_SOURCE_YET = "Add the search source (for example PubMed) before importing its results."


def _enqueue(record_import: RecordImport) -> None:
    import_enqueue(record_import=record_import)


def _detected_tabular(data: bytes) -> bool:
    try:
        return detect_format(data) in TABULAR
    except ImportFileError:
        return False


@require_safe
@login_required
def import_list(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    imports_recover()
    imports = review.imports.select_related("source", "created_by")
    return render(request, "review/imports.html", {"review": review, "membership": membership, "imports": imports})


@csrf_exempt
def import_new(request, slug):
    # The byte cap must be in place before anything reads the body, and CSRF checking reads
    # it; so CSRF is exempted here and enforced on the inner view (Django's documented way).
    size_limit = install_size_limit(request)
    return _import_new(request, slug, size_limit=size_limit)


@require_http_methods(["GET", "POST"])
@login_required
@csrf_protect
def _import_new(request, slug, *, size_limit):
    review, membership = get_review_for_user(request.user, slug, role="lead")
    data, files = request.POST or None, request.FILES or None  # reading them runs the handler
    if (refused := refused_form(request)) is not None:
        return refused
    form = ImportUploadForm(
        data, files, review=review, formats=FORMATS,
        too_large=file_too_large_message(size_limit.limit) if size_limit.exceeded else "",
    )
    if not review.sources.exists():
        messages.info(request, NO_SOURCE_YET)
        return redirect("review:sources", slug=slug)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            with transaction.atomic():
                record_import = import_create(
                    review=review, source=form.cleaned_data["source"], filename=upload.name, data=data,
                    actor=request.user, format=form.cleaned_data["format"] or None,
                    skip_bad=form.cleaned_data["skip_bad"],
                )
                needs_mapping = (form.cleaned_data["format"] or "") in TABULAR or (
                    not form.cleaned_data["format"] and _detected_tabular(data)
                )
                if not needs_mapping:
                    _enqueue(record_import)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if needs_mapping:
                return redirect("review:import_map", slug=slug, pk=record_import.pk)
            return redirect("review:import_detail", slug=slug, pk=record_import.pk)
    return render(request, "review/import_new.html", {"review": review, "membership": membership, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def import_map(request, slug, pk):
    review, membership = get_review_for_user(request.user, slug, role="lead")
    record_import = get_object_or_404(RecordImport, review=review, pk=pk)
    if record_import.status != ImportStatus.PENDING or record_import.enqueued_at:
        # A second submit of the map (a double click) lands here once the first has queued it.
        return redirect("review:import_detail", slug=slug, pk=record_import.pk)
    with record_import.upload.open("rb") as handle:
        data = handle.read()
    try:
        headers = csv_headers(data, filename=record_import.filename)
        rows = preview_rows(data, PREVIEW_ROWS, filename=record_import.filename)
    except ImportFileError:
        headers, rows = [], []
    picks = automatic_picks(headers)
    form = ColumnMapForm(request.POST or None, headers=headers, automatic=picks if headers else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            import_enqueue(record_import=record_import, column_map=form.column_map())
        return redirect("review:import_detail", slug=slug, pk=record_import.pk)
    return render(request, "review/import_map.html", {
        "review": review, "membership": membership, "record_import": record_import, "form": form,
        "headers": headers, "preview_columns": _preview_columns(headers, picks, form), "preview_rows": rows,
    })


def _preview_columns(headers, picks, form) -> list[tuple[str, list[str]]]:
    """(header, labels of the fields it feeds on "(automatic)") for the preview table."""
    feeds: list[list[str]] = [[] for _ in headers]
    position = {header: index for index, header in reversed(list(enumerate(headers)))}
    for field in ColumnMapForm.FIELDS:
        for names in picks.get(field, []):
            for name in names:
                labels = feeds[position[name]]
                if form.fields[field].label not in labels:
                    labels.append(form.fields[field].label)
    return list(zip(headers, feeds, strict=True))


@require_safe
@login_required
def import_detail(request, slug, pk):
    review, membership = get_review_for_user(request.user, slug)
    imports_recover()
    record_import = get_object_or_404(RecordImport.objects.select_related("source"), review=review, pk=pk)
    untitled = record_import.records.filter(title="").count() if record_import.status == ImportStatus.DONE else 0
    return render(request, "review/import_detail.html", {
        "review": review, "membership": membership, "record_import": record_import, "untitled": untitled,
    })


@require_safe
@login_required
def import_status(request, slug, pk):
    review, _ = get_review_for_user(request.user, slug)
    imports_recover()
    record_import = get_object_or_404(RecordImport, review=review, pk=pk)
    if record_import.status == ImportStatus.RUNNING:
        record_import.progress_done, record_import.progress_total = import_progress(record_import)
    return JsonResponse({
        "status": record_import.status,
        "status_label": record_import.get_status_display(),
        "percent": record_import.progress_percent,
        "done": record_import.progress_done,
        "total": record_import.progress_total,
        "records": record_import.record_count,
        "finished": record_import.finished,
        "error": record_import.error,
    })
