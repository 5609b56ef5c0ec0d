from django.db import models
from django.urls import reverse


class PublicationType(models.TextChoices):
    JOURNAL_ARTICLE = "journal_article", "Journal article"
    CONFERENCE_ABSTRACT = "conference_abstract", "Conference abstract"
    CONFERENCE_PAPER = "conference_paper", "Conference paper"
    REVIEW = "review", "Review"
    BOOK = "book", "Book"
    BOOK_SECTION = "book_section", "Book section"
    THESIS = "thesis", "Thesis"
    REPORT = "report", "Report"
    PREPRINT = "preprint", "Preprint"
    LETTER = "letter", "Letter"
    EDITORIAL = "editorial", "Editorial"
    ERRATUM = "erratum", "Erratum"
    COMMENT = "comment", "Comment"
    OTHER = "other", "Other"


class Record(models.Model):
    """One bibliographic record as imported, normalised, with the original text kept verbatim."""

    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="records")
    record_import = models.ForeignKey("review.RecordImport", on_delete=models.PROTECT, related_name="records")
    source = models.ForeignKey("review.SearchSource", on_delete=models.PROTECT, related_name="records")
    position = models.PositiveIntegerField(help_text="1 for the first record of its file.")
    title = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    journal = models.TextField(blank=True)
    volume = models.TextField(blank=True)
    issue = models.TextField(blank=True)
    pages = models.TextField(blank=True)
    doi = models.CharField(max_length=300, blank=True, db_index=True)
    pmid = models.CharField(max_length=20, blank=True, db_index=True)
    issn = models.TextField(blank=True)
    keywords = models.JSONField(default=list, blank=True)
    publication_type = models.CharField(
        max_length=30, choices=PublicationType.choices, default=PublicationType.JOURNAL_ARTICLE
    )
    language = models.TextField(blank=True)
    url = models.TextField(blank=True)
    raw = models.TextField(blank=True)
    extra = models.JSONField(default=dict, blank=True)
    # Field name -> original length of a value cut at import (CONCORD_IMPORT_FIELD_CAPS).
    truncated_fields = models.JSONField(default=dict, blank=True)
    # Set when this record was merged into another: screening sees only the one it points at,
    # while this row keeps its identifiers and its link to its source for PRISMA's counts.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_duplicates"
    )
    study = models.ForeignKey(
        "review.Study", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["review", "year"], name="record_review_year"),
            models.Index(fields=["review", "publication_type"], name="record_review_type"),
            models.Index(fields=["review", "duplicate_of"], name="record_review_duplicate"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["record_import", "position"], name="record_unique_position_in_import"
            ),
            models.CheckConstraint(
                condition=~models.Q(duplicate_of=models.F("id")), name="record_not_duplicate_of_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.title[:80] or f"Record {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("review:record_detail", kwargs={"slug": self.review.slug, "pk": self.pk})

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""

    @property
    def author_line(self) -> str:
        if len(self.authors) > 6:
            return "; ".join(self.authors[:6]) + f"; … ({len(self.authors)} authors)"
        return "; ".join(self.authors)
