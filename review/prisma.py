"""PRISMA 2020 counts, read from the rows at any moment (nothing is typed in twice).

Identification counts every imported Record (merged duplicates too); "duplicates" are the
records merged into another. A record belongs to the "databases and registers" column or
to "other methods" through the kind of its search source.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from review.models import Record, RecordStage, Review
from review.models.reviews import DATABASES_AND_REGISTERS, SourceKind
from review.models.screening import Stage, StageStatus

DBR = "databases_registers"
OTHER = "other_methods"


def column_of(kind: str) -> str:
    return DBR if kind in DATABASES_AND_REGISTERS else OTHER


@dataclass
class Column:
    identified: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    screened: int = 0
    awaiting_screening: int = 0
    records_excluded: int = 0
    sought: int = 0
    not_retrieved: int = 0
    assessed: int = 0
    excluded_reasons: dict[str, int] = field(default_factory=dict)
    included_reports: int = 0

    @property
    def identified_total(self) -> int:
        return sum(self.identified.values())

    @property
    def reports_excluded(self) -> int:
        return sum(self.excluded_reasons.values())


@dataclass
class PrismaCounts:
    review_title: str
    databases: dict[str, int]
    registers: dict[str, int]
    websites: int
    organisations: int
    citations: int
    columns: dict[str, Column]
    studies_included: int
    reports_included: int

    def as_dict(self) -> dict:
        dbr, other = self.columns[DBR], self.columns[OTHER]
        return {
            "review": self.review_title,
            "identification": {
                "databases": self.databases, "registers": self.registers,
                "database_results": sum(self.databases.values()), "register_results": sum(self.registers.values()),
                "website_results": self.websites, "organisation_results": self.organisations,
                "citations_results": self.citations,
            },
            "duplicates": dbr.duplicates, "excluded_automatic": 0, "excluded_other": 0,
            "records_screened": dbr.screened, "records_awaiting_screening": dbr.awaiting_screening,
            "records_excluded": dbr.records_excluded,
            "dbr_sought_reports": dbr.sought, "dbr_notretrieved_reports": dbr.not_retrieved,
            "dbr_assessed": dbr.assessed, "dbr_excluded": dbr.excluded_reasons,
            "other_duplicates": other.duplicates, "other_records_screened": other.screened,
            "other_records_excluded": other.records_excluded,
            "other_sought_reports": other.sought, "other_notretrieved_reports": other.not_retrieved,
            "other_assessed": other.assessed, "other_excluded": other.excluded_reasons,
            "new_studies": self.studies_included, "new_reports": self.reports_included,
            "total_studies": self.studies_included, "total_reports": self.reports_included,
        }


def prisma_counts(review: Review) -> PrismaCounts:
    """Four aggregate queries, whatever the size of the review."""
    columns = {DBR: Column(), OTHER: Column()}
    databases: dict[str, int] = {}
    registers: dict[str, int] = {}
    other_kinds: dict[str, int] = defaultdict(int)
    per_source = (
        Record.objects.filter(review=review).values("source__name", "source__kind")
        .annotate(n=Count("id"), dups=Count("id", filter=Q(duplicate_of__isnull=False)))
        .order_by("source__name")
    )
    for row in per_source:
        kind, name = row["source__kind"], row["source__name"]
        column = columns[column_of(kind)]
        column.identified[name] = row["n"]
        column.duplicates += row["dups"]
        if kind == SourceKind.DATABASE:
            databases[name] = row["n"]
        elif kind == SourceKind.REGISTER:
            registers[name] = row["n"]
        else:
            other_kinds[kind] += row["n"]
    # Rows still awaiting votes or in conflict count nowhere in the diagram: leaving them
    # out spares joining most of a review in mid-screening to its records.
    settled = [StageStatus.ADVANCED, StageStatus.EXCLUDED, StageStatus.INCLUDED, StageStatus.NOT_RETRIEVED]
    stages = (
        RecordStage.objects.filter(review=review, status__in=settled, record__duplicate_of__isnull=True)
        .values("stage", "status", "record__source__kind").annotate(n=Count("id")).order_by()
    )
    for row in stages:
        _add_stage(columns[column_of(row["record__source__kind"])], row["stage"], row["status"], row["n"])
    reasons = (
        RecordStage.objects.filter(review=review, record__duplicate_of__isnull=True, stage=Stage.FULL_TEXT,
                                   status=StageStatus.EXCLUDED)
        .values("exclusion_reason__label", "record__source__kind").annotate(n=Count("id"))
        .order_by("-n", "exclusion_reason__label")
    )
    for row in reasons:
        column = columns[column_of(row["record__source__kind"])]
        column.excluded_reasons[row["exclusion_reason__label"]] = row["n"]
    for column in columns.values():
        live = column.identified_total - column.duplicates
        column.awaiting_screening = live - column.screened
    study_ids = list(
        RecordStage.objects.filter(review=review, record__duplicate_of__isnull=True, stage=Stage.FULL_TEXT,
                                   status=StageStatus.INCLUDED).values_list("record__study_id", flat=True)
    )
    # A report not yet grouped stands for a study of its own until the lead links it.
    studies = len({s for s in study_ids if s is not None}) + sum(1 for s in study_ids if s is None)
    return PrismaCounts(
        review_title=review.title, databases=databases, registers=registers,
        websites=other_kinds[SourceKind.WEBSITE],
        # PRISMA's template has no box for "other": it is reported with organisations.
        organisations=other_kinds[SourceKind.ORGANISATION] + other_kinds[SourceKind.OTHER],
        citations=other_kinds[SourceKind.CITATION],
        columns=columns, studies_included=studies, reports_included=len(study_ids),
    )


def _add_stage(column: Column, stage: str, status: str, n: int) -> None:
    if stage == Stage.TITLE_ABSTRACT:
        if status in (StageStatus.ADVANCED, StageStatus.EXCLUDED):
            column.screened += n
        if status == StageStatus.EXCLUDED:
            column.records_excluded += n
        if status == StageStatus.ADVANCED:
            column.sought += n
        return
    if status == StageStatus.NOT_RETRIEVED:
        column.not_retrieved += n
    elif status in (StageStatus.INCLUDED, StageStatus.EXCLUDED):
        column.assessed += n
    if status == StageStatus.INCLUDED:
        column.included_reports += n
