"""Background tasks: long imports, de-duplication and ranking retraining run here, never inside a request."""

import logging

from django_tasks import task

from review.import_jobs import ImportTaken, imports_recover
from review.models import RecordImport, Review
from review.screening.retraining import ranking_retrain
from review.services.duplicates import dedup_run
from review.services.imports import import_then_dedup

logger = logging.getLogger(__name__)


@task()
def run_import(import_id: int) -> int:
    # Every task first frees imports whose worker died, so a queue with any worker alive heals.
    imports_recover()
    record_import = RecordImport.objects.select_related("review", "source", "created_by").get(pk=import_id)
    try:
        import_then_dedup(record_import=record_import)
    except ImportTaken:
        # Handed twice, cancelled while it waited, or given up by an earlier worker: not ours to run.
        logger.info("import %s is not waiting any more; this task leaves it alone", import_id)
    return import_id


@task()
def run_dedup(review_id: int, actor_id: int | None = None) -> int:
    review = Review.objects.get(pk=review_id)
    actor = review.memberships.filter(user_id=actor_id).first().user if actor_id else None
    summary = dedup_run(review=review, actor=actor)
    return summary.merged


@task()
def retrain_ranking(review_id: int, reason: str = "schedule") -> int:
    """Retrain every reviewer's ranked queue of a review; returns the number of runs written."""
    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        return 0
    return len(ranking_retrain(review=review, reason=reason))
