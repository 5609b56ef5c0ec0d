"""Background tasks: long imports and de-duplication run here, never inside a request."""

from django_tasks import task

from review.models import RecordImport, Review
from review.services.duplicates import dedup_run
from review.services.imports import import_then_dedup


@task()
def run_import(import_id: int) -> int:
    record_import = RecordImport.objects.select_related("review", "source", "created_by").get(pk=import_id)
    import_then_dedup(record_import=record_import)
    return import_id


@task()
def run_dedup(review_id: int, actor_id: int | None = None) -> int:
    review = Review.objects.get(pk=review_id)
    actor = review.memberships.filter(user_id=actor_id).first().user if actor_id else None
    summary = dedup_run(review=review, actor=actor)
    return summary.merged
