"""The reviewer's screening queue and page, and their own decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from review.models import ExclusionReason, FullText, Record, RecordStage
from review.models.screening import Stage, StageStatus
from review.permissions import get_review_for_user
from review.screening import selectors
from review.screening.kept import kept, review_version
from review.screening.ranked_queue import default_order
from review.screening.services import (
    decision_record,
    decision_withdraw,
    reviewers_needed,
    stages_missing,
    stages_sync,
    withdrawal_refusal,
)
from review.templatetags.screening import Highlighter

SYNC_SECONDS = 30
WITHDRAWN = "Your vote ({vote}) is taken back: this record is unvoted again."
STAGES = {"title-abstract": Stage.TITLE_ABSTRACT, "full-text": Stage.FULL_TEXT}
STAGE_SLUGS = {value: key for key, value in STAGES.items()}


def stage_from_slug(stage_slug: str) -> str:
    try:
        return STAGES[stage_slug]
    except KeyError:
        raise Http404("Unknown screening stage.") from None


def _order(request, review, stage) -> str:
    order = request.GET.get("order") or request.POST.get("order")
    return order if order in selectors.ORDERS else default_order(review, stage)


def _panel_context(review, user, stage, record, *, order, own=None, count=True, last_vote=None, withdrawn=None,
                   synced=0, version=None):
    # ``own`` is None for a record served from the queue: the queue holds only records
    # this reviewer has not decided, so there is nothing to look up.
    row = RecordStage.objects.filter(record=record, stage=stage).first() if own else None
    # One's own last vote at this stage, to change (or undo) it straight away.
    previous = selectors.my_decisions(review, user, stage).exclude(record=record).first()
    # Undo is offered for the vote just cast (``last_vote``), not for every older one: after
    # an undo the page shows that record again, and U pressed twice takes back one vote.
    undo = previous if previous is not None and previous.pk == last_vote else None
    return {
        "review": review,
        "stage": stage,
        "stage_slug": STAGE_SLUGS[stage],
        "record": record,
        "own": own,
        "locked": row is not None and row.status != StageStatus.AWAITING,
        "others": selectors.visible_other_decisions(review, record, stage, user, own=own) if record else [],
        "reasons": list(ExclusionReason.objects.filter(review=review, active=True))
        if stage == Stage.FULL_TEXT else [],
        "full_text": FullText.objects.filter(record=record).first() if record and stage == Stage.FULL_TEXT else None,
        "highlighter": Highlighter(review.inclusion_terms, review.exclusion_terms),
        "order": order,
        # Counted on page load (and kept until the review changes, or until ``stages_sync``
        # gives records imported without an event their rows: ``synced``); after each vote the
        # page decrements it itself, which keeps the vote request to a few index look-ups.
        "remaining": kept(review, "remaining", lambda: selectors.remaining(review, user, stage), user.pk, stage,
                          reviewers_needed(review, stage), synced, version=version) if count else None,
        "previous": previous,
        "undo": undo,
        "undo_refusal": withdrawal_refusal(undo.record_stage, reviewers_needed(review, stage)) if undo else "",
        "withdrawn": withdrawn,
        "labels": [line.strip() for line in review.screening_labels.splitlines() if line.strip()],
    }


def _sync_stages(review, stage) -> int:
    """Records imported since the last visit join the title/abstract queue; returns the newest
    record id synced, which moves whenever rows were added.

    Counting 100,000 rows twice on every page load is too slow, so the full check runs
    every SYNC_SECONDS and in between a cheap test catches the usual case, an import that
    appended records with higher ids.
    """
    if stage != Stage.TITLE_ABSTRACT:
        return 0
    key = f"screening-synced:{review.pk}:{review.created_at.timestamp()}"
    newest = cache.get(key)
    if newest is None:
        if stages_missing(review):
            stages_sync(review=review)
    elif Record.objects.filter(review=review, pk__gt=newest).exists():
        stages_sync(review=review)
    else:
        return newest
    latest = Record.objects.filter(review=review).order_by("-pk").values_list("pk", flat=True).first() or 0
    cache.set(key, latest, SYNC_SECONDS)
    return latest


def _last_vote_key(review, stage) -> str:
    return f"screen-last-vote:{review.pk}:{stage}"


def _cursor_key(review, stage, order="random") -> str:
    # One cursor per order, so switching orders and back resumes each where it was; the
    # random one keeps its original key, which sessions from before the others still hold.
    key = f"screen-cursor:{review.pk}:{stage}"
    return key if order == "random" else f"{key}:{order}"


def _serve_next(request, review, stage, order):
    """The next record in the reviewer's order, resuming where they left off in that order."""
    key = _cursor_key(review, stage, order)
    cursor = request.session.get(key)
    record = selectors.next_record(review, request.user, stage, order=order, cursor=cursor)
    # Written only when it moved: an unchanged session costs no query.
    if record is not None and cursor != record.queue_cursor:
        request.session[key] = record.queue_cursor
    return record


@require_safe
@login_required
def screen(request, slug, stage_slug):
    review, membership = get_review_for_user(request.user, slug, role="reviewer")
    stage = stage_from_slug(stage_slug)
    order = _order(request, review, stage)
    synced = _sync_stages(review, stage)
    record_id = request.GET.get("record", "")
    own = None
    if record_id.isdigit():
        # Coming back to change one's own vote: only a record one has voted on, or one in the queue.
        record = get_object_or_404(
            Record.objects.select_related("source"), review=review, pk=int(record_id), duplicate_of__isnull=True,
        )
        own = selectors.own_decision(record, stage, request.user)
        if own is None and not selectors.open_rows(review, request.user, stage).filter(record=record).exists():
            raise Http404("This record is not in your queue.")
    else:
        record = _serve_next(request, review, stage, order)
    # Read before the counts it keys, so a vote landing meanwhile can only make a newer key.
    version = review_version(review)
    context = _panel_context(review, request.user, stage, record, order=order, own=own,
                             last_vote=request.session.get(_last_vote_key(review, stage)), synced=synced, version=version)
    done = kept(review, "done", lambda: selectors.my_decisions(review, request.user, stage).count(), request.user.pk,
                stage, version=version)
    context.update(membership=membership, needed=reviewers_needed(review, stage), orders=selectors.ORDER_LABELS.items(),
                   done=done)
    return render(request, "review/screening/screen.html", context)


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@require_POST
@login_required
def vote(request, slug, stage_slug, pk):
    review, membership = get_review_for_user(request.user, slug, role="reviewer")
    stage = stage_from_slug(stage_slug)
    record = get_object_or_404(Record, review=review, pk=pk)
    reason_id = request.POST.get("exclusion_reason", "")
    reason = ExclusionReason.objects.filter(review=review, pk=reason_id).first() if reason_id.isdigit() else None
    version = request.POST.get("version", "")
    order = _order(request, review, stage)
    try:
        decision = decision_record(
            review=review, record=record, stage=stage, reviewer=request.user,
            vote=request.POST.get("vote", ""), note=request.POST.get("note", "")[:5000],
            labels=request.POST.get("labels", "").split(",")[:20],
            exclusion_reason=reason, version=int(version) if version.isdigit() else None,
        )
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": message}, status=400)
        messages.error(request, message)
        return redirect(f"{reverse('review:screen', args=[slug, stage_slug])}?record={record.pk}&order={order}")
    if request.session.get(_last_vote_key(review, stage)) != decision.pk:
        request.session[_last_vote_key(review, stage)] = decision.pk
    if not _wants_json(request):
        messages.success(request, "Vote saved.")
        return redirect(f"{reverse('review:screen', args=[slug, stage_slug])}?order={order}")
    following = _serve_next(request, review, stage, order)
    context = _panel_context(review, request.user, stage, following, order=order, count=False, last_vote=decision.pk)
    html = render_to_string("review/screening/_record.html", context, request=request)
    return JsonResponse({"ok": True, "html": html})


@require_POST
@login_required
def withdraw(request, slug, stage_slug, pk):
    """Undo: take back one's own vote, and serve that record again as the current one."""
    review, membership = get_review_for_user(request.user, slug, role="reviewer")
    stage = stage_from_slug(stage_slug)
    record = get_object_or_404(Record.objects.select_related("source"), review=review, pk=pk)
    version = request.POST.get("version", "")
    order = _order(request, review, stage)
    queue_url = f"{reverse('review:screen', args=[slug, stage_slug])}?order={order}"
    try:
        withdrawn = decision_withdraw(review=review, record=record, stage=stage, reviewer=request.user,
                                      version=int(version) if version.isdigit() else None)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": message}, status=400)
        messages.error(request, message)
        return redirect(queue_url)
    request.session.pop(_last_vote_key(review, stage), None)
    # The queue resumes at the record, so it is served now and the reviewer goes on from there.
    request.session[_cursor_key(review, stage, order)] = selectors.cursor_at(
        review, request.user, stage, withdrawn.record_stage, order=order)
    said = WITHDRAWN.format(vote=withdrawn.get_vote_display().lower())
    if not _wants_json(request):
        messages.success(request, said)
        return redirect(queue_url)
    context = _panel_context(review, request.user, stage, record, order=order, count=False, withdrawn=said)
    html = render_to_string("review/screening/_record.html", context, request=request)
    return JsonResponse({"ok": True, "html": html})


@require_safe
@login_required
def my_decisions(request, slug, stage_slug):
    review, membership = get_review_for_user(request.user, slug, role="reviewer")
    stage = stage_from_slug(stage_slug)
    decisions = selectors.my_decisions(review, request.user, stage)[:500]
    return render(request, "review/screening/my_decisions.html", {
        "review": review, "membership": membership, "stage": stage, "stage_slug": stage_slug,
        "decisions": decisions, "stage_label": Stage(stage).label,
    })
