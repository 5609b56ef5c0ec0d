from django.conf import settings
from django.db import models


class PairDecision(models.TextChoices):
    DUPLICATE = "duplicate", "Certain duplicate"
    MAYBE = "maybe", "Possible duplicate"
    RELATED = "related", "Related reports of one study"


class PairStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a person"
    MERGED = "merged", "Merged"
    REJECTED = "rejected", "Not duplicates"
    UNMERGED = "unmerged", "Merge undone"
    LINKED = "linked", "Linked as related"


class DuplicatePair(models.Model):
    """A pair the de-duplication found: merged at once, queued for a person, or linked as related.

    ``record`` is the one that disappears from screening when merged; ``kept`` stays.
    """

    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="duplicate_pairs")
    record = models.ForeignKey("review.Record", on_delete=models.CASCADE, related_name="pairs_as_duplicate")
    kept = models.ForeignKey("review.Record", on_delete=models.CASCADE, related_name="pairs_as_kept")
    score = models.FloatField()
    decision = models.CharField(max_length=10, choices=PairDecision.choices)
    status = models.CharField(max_length=10, choices=PairStatus.choices, default=PairStatus.PENDING)
    automatic = models.BooleanField(default=False, help_text="Merged by the rules, not by a person.")
    reasons = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "kept"], name="duplicate_pair_unique"),
            models.CheckConstraint(condition=~models.Q(record=models.F("kept")), name="duplicate_pair_two_records"),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=1), name="duplicate_pair_score_0_1"),
        ]
        indexes = [models.Index(fields=["review", "status"], name="dup_pair_review_status")]

    def __str__(self) -> str:
        return f"{self.record_id} ~ {self.kept_id} ({self.decision}, {self.status})"
