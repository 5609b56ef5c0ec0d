"""Background tasks: recomputing every analysis of a review can take seconds per analysis,
so the "Run all" button queues it here instead of holding a request open."""

from django.contrib.auth import get_user_model
from django_tasks import task

from analysis.services import analyses_run_all
from review.models import Review


@task()
def run_all_analyses(review_id: int, actor_id: int | None = None) -> int:
    review = Review.objects.get(pk=review_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    # No one waits on a background task, so the plots are drawn now and pages open at once.
    return len(analyses_run_all(review=review, actor=actor, with_figures=True))
