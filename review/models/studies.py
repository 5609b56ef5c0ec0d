from django.conf import settings
from django.db import models


class Study(models.Model):
    """One study, reported by one or more included records (e.g. an abstract and the later paper)."""

    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="studies")
    label = models.CharField(max_length=200, help_text="How tables name it, e.g. 'Lim 2020'.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Made for an included report by default (review/screening/studies.py), not by a person:
    # such a study goes again when its last report moves to another study and nothing else uses it.
    automatic = models.BooleanField(default=False)

    class Meta:
        ordering = ["label", "id"]
        verbose_name_plural = "studies"
        constraints = [models.UniqueConstraint(fields=["review", "label"], name="study_unique_label_per_review")]

    def __str__(self) -> str:
        return self.label
