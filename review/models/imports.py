from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Refused"
    CANCELLED = "cancelled", "Cancelled"


# A file may be waiting, importing or imported only once per source; a refused or cancelled
# copy does not count, so the same file can be uploaded again after it.
ACTIVE_STATUSES = (ImportStatus.PENDING, ImportStatus.RUNNING, ImportStatus.DONE)


class RecordImport(models.Model):
    """One uploaded file: kept whether it landed or was refused, so the refusal is on record."""

    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="imports")
    source = models.ForeignKey("review.SearchSource", on_delete=models.PROTECT, related_name="imports")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField(default=0)
    requested_format = models.CharField(max_length=30, blank=True)
    format = models.CharField(max_length=30, blank=True)
    encoding = models.CharField(max_length=30, blank=True)
    skip_bad = models.BooleanField(default=False)
    column_map = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    record_count = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, blank=True)
    # One entry per field cut at import: record, line, field, length, limit.
    truncated = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # The upload waits here until the background task has parsed it; emptied afterwards.
    upload = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Background runs (review/import_jobs.py): set once when a task is queued, so a second
    # submit of the column map queues nothing; `attempts` counts claims and fences a late
    # writer; the lease is renewed while a worker holds the import.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "sha256"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="import_file_once_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.source})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))
