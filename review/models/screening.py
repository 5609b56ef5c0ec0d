"""Screening: independent decisions per record and stage, their outcome, conflicts and resolutions."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Stage(models.TextChoices):
    TITLE_ABSTRACT = "title_abstract", "Title and abstract"
    FULL_TEXT = "full_text", "Full text"


class Vote(models.TextChoices):
    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"
    MAYBE = "maybe", "Maybe"


class StageStatus(models.TextChoices):
    AWAITING = "awaiting", "Awaiting decisions"
    CONFLICT = "conflict", "In conflict"
    ADVANCED = "advanced", "Advanced to full text"
    INCLUDED = "included", "Included"
    EXCLUDED = "excluded", "Excluded"
    NOT_RETRIEVED = "not_retrieved", "Full text not retrieved"
    # Left unscreened when the lead stopped prioritised screening (issue 11): kept, never
    # deleted, reported by PRISMA 2020 as "marked as ineligible by automation tools", and
    # returned to AWAITING if the lead brings the records back into the queue.
    AUTOMATION_EXCLUDED = "automation_excluded", "Marked ineligible by automation tools"


FINAL_STATUSES = {StageStatus.ADVANCED, StageStatus.INCLUDED, StageStatus.EXCLUDED}

# Records without a year come after every year in the newest-first order.
YEAR_KEY_MISSING = 2**31 - 1
TITLE_KEY_LENGTH = 200


class RecordStage(models.Model):
    """Where one record stands at one stage. Its row is the lock every vote on it takes,
    so the outcome is computed exactly once however many reviewers vote at the same moment."""

    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="record_stages")
    record = models.ForeignKey("review.Record", on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    status = models.CharField(max_length=20, choices=StageStatus.choices, default=StageStatus.AWAITING)
    # Kept beside the decisions so the queue can skip full records without counting rows.
    decision_count = models.PositiveSmallIntegerField(default=0)
    exclusion_reason = models.ForeignKey(
        "review.ExclusionReason", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # A fixed pseudo-random key per record (review.screening.services.shuffle_key): the
    # random queue walks the index on it instead of sorting the whole review per request.
    shuffle = models.BigIntegerField(default=0)
    # Copies of the record's year and title in the form the year and title orders sort on
    # (review.screening.services.queue_keys), so those orders walk an index of this table
    # from the reviewer's cursor instead of sorting every open record per request.
    year_key = models.IntegerField(default=YEAR_KEY_MISSING)
    title_key = models.CharField(max_length=TITLE_KEY_LENGTH, default="", blank=True)

    class Meta:
        ordering = ["record_id", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="record_stage_unique"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="record_stage_known_stage"),
            models.CheckConstraint(condition=Q(status__in=StageStatus.values), name="record_stage_known_status"),
            models.CheckConstraint(
                condition=~Q(stage=Stage.FULL_TEXT, status=StageStatus.EXCLUDED, exclusion_reason__isnull=True),
                name="record_stage_ft_exclusion_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(exclusion_reason__isnull=True) | Q(stage=Stage.FULL_TEXT, status=StageStatus.EXCLUDED),
                name="record_stage_reason_only_for_ft_exclusion",
            ),
            models.CheckConstraint(
                condition=Q(stage=Stage.FULL_TEXT)
                | ~Q(status__in=[StageStatus.INCLUDED, StageStatus.NOT_RETRIEVED]),
                name="record_stage_ta_cannot_include",
            ),
            models.CheckConstraint(
                condition=Q(stage=Stage.TITLE_ABSTRACT) | ~Q(status=StageStatus.ADVANCED),
                name="record_stage_ft_cannot_advance",
            ),
        ]
        indexes = [
            models.Index(fields=["review", "stage", "status", "shuffle"], name="record_stage_queue"),
            models.Index(fields=["review", "stage", "status", "year_key", "id"], name="record_stage_queue_year"),
            models.Index(fields=["review", "stage", "status", "title_key", "id"], name="record_stage_queue_title"),
            # The stopping rule reads the records settled since ranking began, in the order settled.
            models.Index(fields=["review", "stage", "decided_at"], name="record_stage_decided"),
            # Last on purpose: between indexes that fit a query equally well SQLite takes the
            # one created last, and the counts over (review, stage, status) that then look up
            # each row's record visit the table in row order through this index, but in key
            # order (several times slower) through the three above. Migrations and table
            # rebuilds create indexes in this order.
            models.Index(fields=["review", "stage", "status", "decision_count"], name="record_stage_status_votes"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.stage}: {self.status}"


class ScreeningDecision(models.Model):
    """One reviewer's vote on one record at one stage."""

    # The record's review, copied so that counting a review's votes reads one index
    # (decision_review_votes) instead of joining every vote to its stage row.
    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="+", db_index=False)
    # Indexed by decision_stage_votes below, which leads with this column.
    record_stage = models.ForeignKey(RecordStage, on_delete=models.CASCADE, related_name="decisions", db_index=False)
    record = models.ForeignKey("review.Record", on_delete=models.CASCADE, related_name="screening_decisions")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(max_length=10, choices=Vote.choices)
    exclusion_reason = models.ForeignKey(
        "review.ExclusionReason", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    labels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage", "reviewer"], name="decision_one_per_reviewer"),
            models.CheckConstraint(condition=Q(vote__in=Vote.values), name="decision_known_vote"),
            models.CheckConstraint(
                condition=~Q(stage=Stage.FULL_TEXT, vote=Vote.EXCLUDE, exclusion_reason__isnull=True),
                name="decision_ft_exclusion_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(exclusion_reason__isnull=True) | Q(stage=Stage.FULL_TEXT, vote=Vote.EXCLUDE),
                name="decision_reason_only_for_ft_exclusion",
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "stage", "record"], name="decision_reviewer_stage"),
            # Covers the dashboard's counts and agreement tables (votes per stage row and
            # reviewer) without reading the decisions themselves: 100,000 of them per review.
            models.Index(fields=["record_stage", "reviewer", "vote", "stage"], name="decision_stage_votes"),
            models.Index(fields=["review", "stage", "reviewer", "vote"], name="decision_review_votes"),
            # One's own last vote (the screening page's "Previous" link) is the top of this
            # index, not a sort of every vote the reviewer cast.
            models.Index(fields=["review", "stage", "reviewer", "updated_at", "id"], name="decision_reviewer_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} {self.vote} {self.record_id} ({self.stage})"


class ConflictKind(models.TextChoices):
    VOTES = "votes", "Votes differ"
    REASONS = "reasons", "Exclusion reasons differ"


class ConflictStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    SENT_BACK = "sent_back", "Sent back to reviewers"


class Conflict(models.Model):
    record_stage = models.ForeignKey(RecordStage, on_delete=models.CASCADE, related_name="conflicts")
    record = models.ForeignKey("review.Record", on_delete=models.CASCADE, related_name="conflicts")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    kind = models.CharField(max_length=10, choices=ConflictKind.choices, default=ConflictKind.VOTES)
    status = models.CharField(max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_stage"], condition=Q(status="open"), name="conflict_one_open_per_record_stage"
            ),
            models.CheckConstraint(
                condition=Q(status=ConflictStatus.OPEN, closed_at__isnull=True)
                | (~Q(status=ConflictStatus.OPEN) & Q(closed_at__isnull=False)),
                name="conflict_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Conflict on {self.record_id} ({self.stage}, {self.status})"


class Resolution(models.Model):
    """The arbiter's settlement of one conflict."""

    conflict = models.OneToOneField(Conflict, on_delete=models.CASCADE, related_name="resolution")
    arbiter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=[(Vote.INCLUDE, "Include"), (Vote.EXCLUDE, "Exclude")])
    exclusion_reason = models.ForeignKey(
        "review.ExclusionReason", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["include", "exclude"]), name="resolution_known_outcome"),
            models.CheckConstraint(
                condition=Q(exclusion_reason__isnull=True) | Q(outcome="exclude"),
                name="resolution_reason_only_when_excluding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} by {self.arbiter_id}"
