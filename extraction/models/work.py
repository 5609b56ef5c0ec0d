from django.conf import settings
from django.db import models

from extraction.instruments import DESIGNS, INSTRUMENTS


class Kind(models.TextChoices):
    EXTRACTION = "extraction", "Data extraction"
    APPRAISAL = "appraisal", "Quality appraisal"


class Slot(models.TextChoices):
    A = "a", "Extractor A"
    B = "b", "Extractor B"


INSTRUMENT_CHOICES = [(code, i.name) for code, i in INSTRUMENTS.items()]


class AppraisalPlan(models.Model):
    """Which instrument appraises a study: it follows the design unless the lead overrides it."""

    study = models.OneToOneField("review.Study", on_delete=models.CASCADE, related_name="appraisal_plan")
    design = models.CharField(max_length=20, choices=DESIGNS)
    instrument = models.CharField(max_length=30, choices=INSTRUMENT_CHOICES)
    overridden = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overridden=False) | ~models.Q(reason=""), name="appraisal_override_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.study}: {self.instrument}"


class Assignment(models.Model):
    """One of the two people who extract (or appraise) a study independently."""

    study = models.ForeignKey("review.Study", on_delete=models.CASCADE, related_name="extraction_assignments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    slot = models.CharField(max_length=1, choices=Slot.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="extraction_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "kind", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["study", "kind", "slot"], name="assignment_one_per_slot"),
            models.UniqueConstraint(fields=["study", "kind", "user"], name="assignment_two_different_people"),
            models.CheckConstraint(condition=models.Q(slot__in=Slot.values), name="assignment_slot_valid"),
            models.CheckConstraint(condition=models.Q(kind__in=Kind.values), name="assignment_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.study} {self.kind} {self.slot}: {self.user}"


class SubmittedError(Exception):
    """Raised when code tries to change an extraction after it was submitted."""


class Extraction(models.Model):
    """One person's independent entry for one study: their values, never shown to the other
    extractor before both have submitted (DESIGN.md invariant 1)."""

    DRAFT, SUBMITTED = "draft", "submitted"

    study = models.ForeignKey("review.Study", on_delete=models.CASCADE, related_name="extractions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    slot = models.CharField(max_length=1, choices=Slot.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="extractions")
    form_version = models.ForeignKey(
        "extraction.FormVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="extractions"
    )
    instrument = models.CharField(max_length=30, blank=True, choices=INSTRUMENT_CHOICES)
    data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, default=DRAFT, choices=[(DRAFT, "Draft"), (SUBMITTED, "Submitted")])
    # Bumped on every save so that an edit made on a stale page is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["study", "kind", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["study", "kind", "user"], name="extraction_one_per_person"),
            models.UniqueConstraint(fields=["study", "kind", "slot"], name="extraction_one_per_slot"),
            models.CheckConstraint(
                condition=(models.Q(kind="extraction", form_version__isnull=False)
                           | (models.Q(kind="appraisal") & ~models.Q(instrument=""))),
                name="extraction_has_form_or_instrument",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="extraction_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study} {self.kind} by {self.user}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = Extraction.objects.filter(pk=self.pk).values("status", "data").first()
            if stored and stored["status"] == self.SUBMITTED and stored["data"] != self.data:
                raise SubmittedError("A submitted extraction cannot be changed.")
        super().save(*args, **kwargs)
