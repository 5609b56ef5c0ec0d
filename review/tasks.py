"""Background tasks: long imports run here, never inside a request."""

from django_tasks import task

from review.models import RecordImport
from review.services.imports import import_run


@task()
def run_import(import_id: int) -> int:
    record_import = RecordImport.objects.select_related("review", "source", "created_by").get(pk=import_id)
    import_run(record_import=record_import)
    return import_id
