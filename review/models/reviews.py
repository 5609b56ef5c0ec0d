from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse


class Review(models.Model):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=80, unique=True)
    # The review question, PICO(S).
    population = models.TextField(blank=True)
    intervention = models.TextField(blank=True)
    comparator = models.TextField(blank=True)
    outcomes = models.TextField(blank=True)
    study_designs = models.TextField(blank=True)
    protocol_registration = models.CharField(
        max_length=200, blank=True, help_text="For example a PROSPERO id such as CRD42021242839."
    )
    ta_reviewers_per_record = models.PositiveSmallIntegerField(
        "reviewers per record at title/abstract",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    ft_reviewers_per_record = models.PositiveSmallIntegerField(
        "reviewers per record at full text",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    blind_mode = models.BooleanField(
        default=True, help_text="Reviewers never see each other's votes, notes or reasons."
    )
    # Highlighted on the screening page, one term or phrase per line.
    inclusion_terms = models.TextField(blank=True, help_text="One term per line; shown in green when screening.")
    exclusion_terms = models.TextField(blank=True, help_text="One term per line; shown in red when screening.")
    # The stopping rule of prioritised screening (issue 11): H0 "recall is below the target".
    recall_target = models.FloatField(
        "recall target", default=0.95, validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
        help_text="The share of relevant records the stopping rule must find, for example 0.95.",
    )
    stop_confidence = models.FloatField(
        "confidence level", default=0.95, validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
        help_text="How sure the stopping rule must be that the recall target is reached, for example 0.95.",
    )
    # Bumped on every settings edit so that an edit made on a stale page is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Screening comfort: whether "maybe" is offered, and the labels reviewers choose from.
    allow_maybe = models.BooleanField(
        "reviewers may vote maybe", default=True,
        help_text="Maybe moves a record on as include does; turn it off to make reviewers decide.",
    )
    screening_labels = models.TextField(
        blank=True, help_text="Labels reviewers choose from when screening (with autocomplete), one per line.",
    )
    # An archived review leaves the lead's list of current reviews; nothing of it is deleted.
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ta_reviewers_per_record__gte=1, ft_reviewers_per_record__gte=1),
                name="review_reviewers_per_record_at_least_one",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("review:detail", kwargs={"slug": self.slug})

    def delete(self, *args, **kwargs):
        from review import study_locks

        # Before the collector runs: it would stop at a protected form version first, with a
        # message that names no study and no way out.
        study_locks.refuse_deleting_review(self.pk)
        return super().delete(*args, **kwargs)


class Role(models.TextChoices):
    LEAD = "lead", "Lead"
    REVIEWER = "reviewer", "Reviewer"
    ARBITER = "arbiter", "Arbiter"


class ActiveMembershipManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(removed_at__isnull=True)


class Membership(models.Model):
    """A user's place in a review. Removing a member keeps the row (and their judgements)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    is_lead = models.BooleanField(default=False)
    is_reviewer = models.BooleanField(default=False)
    is_arbiter = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = models.Manager()
    active = ActiveMembershipManager()

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="membership_unique_user_per_review"),
            models.CheckConstraint(
                condition=models.Q(removed_at__isnull=False)
                | models.Q(is_lead=True)
                | models.Q(is_reviewer=True)
                | models.Q(is_arbiter=True),
                name="membership_active_member_has_a_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.review}"

    @property
    def roles(self) -> list[str]:
        return [
            role
            for role, held in (
                (Role.LEAD, self.is_lead),
                (Role.REVIEWER, self.is_reviewer),
                (Role.ARBITER, self.is_arbiter),
            )
            if held
        ]

    def has_role(self, role: str) -> bool:
        return role in self.roles


class SourceKind(models.TextChoices):
    DATABASE = "database", "Database"
    REGISTER = "register", "Register"
    CITATION = "citation_searching", "Citation searching"
    WEBSITE = "website", "Website"
    ORGANISATION = "organisation", "Organisation"
    OTHER = "other", "Other method"


# PRISMA 2020 reports identification in two columns.
DATABASES_AND_REGISTERS = {SourceKind.DATABASE, SourceKind.REGISTER}


class SearchSource(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(max_length=200, help_text="For example PubMed, Embase, Scopus.")
    kind = models.CharField(max_length=30, choices=SourceKind.choices, default=SourceKind.DATABASE)
    interface = models.CharField(max_length=200, blank=True, help_text="For example Ovid, EBSCOhost.")
    search_string = models.TextField(blank=True)
    date_run = models.DateField(null=True, blank=True)
    date_from = models.DateField("records from", null=True, blank=True)
    date_to = models.DateField("records to", null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "name"], name="source_unique_name_per_review"),
            models.CheckConstraint(
                condition=models.Q(date_from__isnull=True)
                | models.Q(date_to__isnull=True)
                | models.Q(date_from__lte=models.F("date_to")),
                name="source_date_limits_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prisma_column(self) -> str:
        return "databases_registers" if self.kind in DATABASES_AND_REGISTERS else "other_methods"


DEFAULT_EXCLUSION_REASONS = [
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "Wrong outcomes",
    "Wrong study design",
    "Not primary research (review, editorial, letter)",
    "Conference abstract without usable data",
    "Duplicate report of an included study",
    "Full text not available in an eligible language",
    "Insufficient data reported",
]


class ExclusionReason(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="exclusion_reasons")
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["review", "label"], name="exclusion_reason_unique_label")
        ]

    def __str__(self) -> str:
        return self.label
