"""The lead's controls of prioritised screening: update the ranking now, stop, bring back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from review.models import RankingRun
from review.permissions import get_review_for_user
from review.screening.kept import kept
from review.screening.retraining import ranking_request
from review.screening.stop import CONFIRM_REQUIRED, screening_resume, screening_stop
from review.screening.stopping_status import first_run, stop_in_force, stopping_status


def lead_panel(review) -> dict:
    """What the dashboard's prioritised-screening panel shows the lead: settled records only."""
    first = first_run(review)
    # Kept per review state (review.screening.kept): the ranking's first run and the rule's
    # settings are the inputs that move without an event of the review.
    statistic = kept(review, "stopping", lambda: stopping_status(review), first.pk if first else None,
                     review.recall_target, review.stop_confidence) if first else None
    return {
        "target": f"{review.recall_target * 100:g}%",
        "confidence": f"{review.stop_confidence * 100:g}%",
        "stopping": statistic,
        # buscar counts every screened record but only the includes since ranking began.
        "since": statistic.screened - first.settled_count if statistic else None,
        "found": statistic.includes_found + first.includes if statistic else None,
        "stop": stop_in_force(review),
        "last_run": RankingRun.objects.filter(review=review, ready=True).order_by("-created_at", "-id").first(),
    }


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _done(request, slug, action, success: str):
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("review:dashboard", slug=slug)


@require_POST
@login_required
def ranking_update(request, slug):
    review, _ = get_review_for_user(request.user, slug, role="lead")
    return _done(request, slug, lambda: ranking_request(review=review, actor=request.user),
                 "The ranking is being updated in the background; reviewers' queues follow it when it is done.")


@require_POST
@login_required
def stop(request, slug):
    review, _ = get_review_for_user(request.user, slug, role="lead")

    def act():
        if request.POST.get("confirm") != "yes":
            raise ValidationError(CONFIRM_REQUIRED)
        screening_stop(review=review, actor=request.user, screened_seen=_int(request.POST.get("screened", "")))

    return _done(request, slug, act, "Screening stopped: the records left unscreened are marked ineligible by "
                                     "automation tools and can be brought back.")


@require_POST
@login_required
def resume(request, slug):
    review, _ = get_review_for_user(request.user, slug, role="lead")
    return _done(request, slug,
                 lambda: screening_resume(review=review, actor=request.user, stop_id=_int(request.POST.get("stop", ""))),
                 "The records are back in the queue.")
