from django.conf import settings
from django.db import models
from django.db.models import Q


class RetrievalStatus(models.TextChoices):
    RETRIEVED = "retrieved", "Retrieved"
    NOT_RETRIEVED = "not_retrieved", "Not retrieved"


class FullText(models.Model):
    """The full text of a record that advanced past title/abstract: a stored PDF or a link, or why not."""

    record = models.OneToOneField("review.Record", on_delete=models.CASCADE, related_name="full_text")
    status = models.CharField(max_length=20, choices=RetrievalStatus.choices)
    pdf = models.FileField(upload_to="fulltexts/%Y/%m/", blank=True)
    url = models.URLField(max_length=1000, blank=True)
    reason = models.TextField(blank=True, help_text="Why the full text could not be retrieved.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=RetrievalStatus.RETRIEVED) & (~Q(pdf="") | ~Q(url="")))
                | (Q(status=RetrievalStatus.NOT_RETRIEVED) & ~Q(reason="")),
                name="fulltext_retrieved_has_file_or_link_else_reason",
            )
        ]

    def __str__(self) -> str:
        return f"Full text of {self.record_id}: {self.status}"
