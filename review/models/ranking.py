"""Prioritised screening: each retraining of the ranking, the scores it gave, and stops."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class RankingRun(models.Model):
    """One retraining of one reviewer's title/abstract ranking, as a methods section cites it."""

    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="+", db_index=False)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    settings = models.JSONField()
    # What the model learnt from: settled outcomes plus this reviewer's own pending votes.
    # ``includes`` and ``excludes`` count the settled outcomes only.
    training_size = models.PositiveIntegerField()
    includes = models.PositiveIntegerField()
    excludes = models.PositiveIntegerField()
    # The review's settled title/abstract records when training started: the schedule
    # retrains after every RETRAIN_EVERY more.
    settled_count = models.PositiveIntegerField()
    # How many of the reviewer's own pending votes it also learnt from; their direction is
    # not kept here, where the lead could read it (it is in the training set all the same).
    own_votes = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(default=0)
    duration_seconds = models.FloatField()
    reason = models.CharField(max_length=20)
    # Written last: until then the run's scores are still landing and the queue uses the previous one.
    ready = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["review", "reviewer", "created_at"], name="ranking_run_latest")]

    def __str__(self) -> str:
        return f"ranking of {self.reviewer_id} in {self.review_id} at {self.created_at:%Y-%m-%d %H:%M}"


class RelevanceScore(models.Model):
    """A record stage's place in one reviewer's ranked queue, as one ranking run left it.

    The queue walks (run, rank) from the reviewer's cursor: one index read per record served.
    """

    run = models.ForeignKey(RankingRun, on_delete=models.CASCADE, related_name="scores", db_index=False)
    record_stage = models.ForeignKey("review.RecordStage", on_delete=models.CASCADE, related_name="+",
                                     db_index=False)
    rank = models.PositiveIntegerField()
    score = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "rank"], name="relevance_score_rank_unique")]
        indexes = [models.Index(fields=["record_stage", "run"], name="relevance_score_stage")]

    def __str__(self) -> str:
        return f"{self.record_stage_id} #{self.rank} in run {self.run_id}"


class ScreeningStop(models.Model):
    """The lead's decision to stop title/abstract screening, with the statistic it rested on."""

    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="+")
    stopped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stopped_at = models.DateTimeField()
    statistic = models.JSONField()
    records = models.PositiveIntegerField()
    resumed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["stopped_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review"], condition=Q(resumed_at__isnull=True),
                                    name="screening_stop_one_in_force"),
        ]

    def __str__(self) -> str:
        return f"stop of {self.review_id} at {self.stopped_at:%Y-%m-%d %H:%M}"
