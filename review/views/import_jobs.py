"""Cancel a waiting import, retry a refused one: POST-only buttons on the import's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from review.import_jobs import import_cancel, import_retry
from review.models import RecordImport
from review.permissions import get_review_for_user

CANCELLED = "The import of {filename} was cancelled; nothing of it was kept."
RETRIED = "{filename} is queued again."


def _act(request, slug, pk, action, done_message):
    review, _ = get_review_for_user(request.user, slug)
    record_import = get_object_or_404(RecordImport.objects.select_related("review"), review=review, pk=pk)
    try:
        action(record_import=record_import, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done_message.format(filename=record_import.filename))
    return redirect("review:import_detail", slug=slug, pk=pk)


@require_POST
@login_required
def import_cancel_view(request, slug, pk):
    return _act(request, slug, pk, import_cancel, CANCELLED)


@require_POST
@login_required
def import_retry_view(request, slug, pk):
    return _act(request, slug, pk, import_retry, RETRIED)
