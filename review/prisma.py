"""PRISMA 2020 counts, read from the rows at any moment (nothing is typed in twice).

Identification counts every imported Record (merged duplicates too); "duplicates" are the
records merged into another. A record belongs to the "databases and registers" column or
to "other methods" through the kind of its search source, and every count of a record stays
in that record's column, so each column adds up by itself:

    identified - duplicates - automation - removed for other reasons = screened + awaiting
    screened - records excluded = sought
    sought - not retrieved = assessed
    assessed - reports excluded = included reports + awaiting assessment
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

# The other-methods kinds in the order PRISMA 2020 lists them, with the label each is drawn
# under; "other" has no line of its own in the template, and is never folded into another.
OTHER_KINDS = {
    SourceKind.WEBSITE: "Websites",
    SourceKind.ORGANISATION: "Organisations",
    SourceKind.CITATION: "Citation searching",
    SourceKind.OTHER: "Other sources",
}


def column_of(kind: str) -> str:
    return DBR if kind in DATABASES_AND_REGISTERS else OTHER


@dataclass
class Column:
    identified: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    automation: int = 0
    # Concord removes records before screening only as duplicates or by automation; the box
    # is PRISMA's and stays, with the zero that is true.
    removed_other: int = 0
    screened: int = 0
    awaiting_screening: int = 0
    records_excluded: int = 0
    sought: int = 0
    not_retrieved: int = 0
    assessed: int = 0
    excluded_reasons: dict[str, int] = field(default_factory=dict)
    included_reports: int = 0
    awaiting_assessment: int = 0

    @property
    def identified_total(self) -> int:
        return sum(self.identified.values())

    @property
    def removed_before_screening(self) -> int:
        return self.duplicates + self.automation + self.removed_other

    @property
    def reports_excluded(self) -> int:
        return sum(self.excluded_reasons.values())


@dataclass
class PrismaCounts:
    review_title: str
    databases: dict[str, int]
    registers: dict[str, int]
    # Per other-methods kind (OTHER_KINDS), the records of each of its sources.
    other_sources: dict[str, dict[str, int]]
    columns: dict[str, Column]
    studies_included: int
    reports_included: int

    def kind_total(self, kind: str) -> int:
        return sum(self.other_sources.get(kind, {}).values())

    @property
    def websites(self) -> int:
        return self.kind_total(SourceKind.WEBSITE)

    @property
    def organisations(self) -> int:
        return self.kind_total(SourceKind.ORGANISATION)

    @property
    def citations(self) -> int:
        return self.kind_total(SourceKind.CITATION)

    @property
    def others(self) -> int:
        return self.kind_total(SourceKind.OTHER)

    def as_dict(self) -> dict:
        dbr, other = self.columns[DBR], self.columns[OTHER]
        by_kind = {kind: dict(self.other_sources.get(kind, {})) for kind in OTHER_KINDS}
        return {
            "review": self.review_title,
            "identification": {
                "databases": self.databases, "registers": self.registers,
                "database_results": sum(self.databases.values()), "register_results": sum(self.registers.values()),
                "website_results": self.websites, "organisation_results": self.organisations,
                "citations_results": self.citations, "other_results": self.others,
                "websites": by_kind[SourceKind.WEBSITE], "organisations": by_kind[SourceKind.ORGANISATION],
                "citations": by_kind[SourceKind.CITATION], "other_sources": by_kind[SourceKind.OTHER],
            },
            "duplicates": dbr.duplicates, "excluded_automatic": dbr.automation, "excluded_other": dbr.removed_other,
            "records_screened": dbr.screened, "records_awaiting_screening": dbr.awaiting_screening,
            "records_excluded": dbr.records_excluded,
            "dbr_sought_reports": dbr.sought, "dbr_notretrieved_reports": dbr.not_retrieved,
            "dbr_assessed": dbr.assessed, "dbr_excluded": dbr.excluded_reasons,
            "dbr_included_reports": dbr.included_reports, "dbr_awaiting_assessment": dbr.awaiting_assessment,
            "other_duplicates": other.duplicates, "other_excluded_automatic": other.automation,
            "other_excluded_other": other.removed_other,
            "other_records_screened": other.screened, "other_records_awaiting_screening": other.awaiting_screening,
            "other_records_excluded": other.records_excluded,
            "other_sought_reports": other.sought, "other_notretrieved_reports": other.not_retrieved,
            "other_assessed": other.assessed, "other_excluded": other.excluded_reasons,
            "other_included_reports": other.included_reports, "other_awaiting_assessment": other.awaiting_assessment,
            "new_studies": self.studies_included, "new_reports": self.reports_included,
            "total_studies": self.studies_included, "total_reports": self.reports_included,
        }


def prisma_counts(review: Review) -> PrismaCounts:
    """Four aggregate queries, whatever the size of the review."""
    columns = {DBR: Column(), OTHER: Column()}
    databases: dict[str, int] = {}
    registers: dict[str, int] = {}
    other_sources: dict[str, dict[str, int]] = defaultdict(dict)
    per_source = (
        Record.objects.filter(review=review).values("source__name", "source__kind")
        .annotate(n=Count("id"), dups=Count("id", filter=Q(duplicate_of__isnull=False)))
        .order_by("source__name")
    )
    for row in per_source:
        kind, name = row["source__kind"], row["source__name"]
        column = columns[column_of(kind)]
        # Two sources may share a name (PubMed searched twice): their records add up.
        column.identified[name] = column.identified.get(name, 0) + row["n"]
        column.duplicates += row["dups"]
        if kind == SourceKind.DATABASE:
            databases[name] = databases.get(name, 0) + row["n"]
        elif kind == SourceKind.REGISTER:
            registers[name] = registers.get(name, 0) + row["n"]
        else:
            other_sources[kind][name] = other_sources[kind].get(name, 0) + row["n"]
    # Rows still awaiting votes or in conflict are counted as the remainder of their box
    # (awaiting): leaving them out spares joining most of a review in mid-screening to its records.
    settled = [StageStatus.ADVANCED, StageStatus.EXCLUDED, StageStatus.INCLUDED, StageStatus.NOT_RETRIEVED,
               StageStatus.AUTOMATION_EXCLUDED]
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
        column.awaiting_screening = column.identified_total - column.removed_before_screening - column.screened
        # A report sought and not declared unretrievable is being assessed: its full text is
        # awaited or its reviewers have yet to agree.
        column.assessed = column.sought - column.not_retrieved
        column.awaiting_assessment = column.assessed - column.reports_excluded - column.included_reports
    study_ids = list(
        RecordStage.objects.filter(review=review, record__duplicate_of__isnull=True, stage=Stage.FULL_TEXT,
                                   status=StageStatus.INCLUDED).values_list("record__study_id", flat=True)
    )
    # A report not yet grouped stands for a study of its own until the lead links it.
    studies = len({s for s in study_ids if s is not None}) + sum(1 for s in study_ids if s is None)
    return PrismaCounts(
        review_title=review.title, databases=databases, registers=registers,
        other_sources={kind: dict(sorted(other_sources[kind].items())) for kind in OTHER_KINDS if kind in other_sources},
        columns=columns, studies_included=studies, reports_included=len(study_ids),
    )


def _add_stage(column: Column, stage: str, status: str, n: int) -> None:
    if stage == Stage.TITLE_ABSTRACT:
        if status == StageStatus.AUTOMATION_EXCLUDED:
            # PRISMA 2020 removes these before screening ("marked as ineligible by automation tools").
            column.automation += n
        if status in (StageStatus.ADVANCED, StageStatus.EXCLUDED):
            column.screened += n
        if status == StageStatus.EXCLUDED:
            column.records_excluded += n
        if status == StageStatus.ADVANCED:
            column.sought += n
        return
    if status == StageStatus.NOT_RETRIEVED:
        column.not_retrieved += n
    if status == StageStatus.INCLUDED:
        column.included_reports += n


@dataclass(frozen=True)
class SummaryRow:
    """One row of the PRISMA page's table: a box, or (indented) one source or reason of it."""

    label: str
    dbr: int | None
    other: int | None
    key: str = ""
    indent: bool = False


def summary_rows(counts: PrismaCounts) -> list[SummaryRow]:
    """The table beside the diagram, with the same numbers, column by column as PRISMA 2020 draws them."""
    dbr, other = counts.columns[DBR], counts.columns[OTHER]
    rows = [SummaryRow("Records identified", dbr.identified_total, other.identified_total, "identified")]
    for label, per_source in (("Databases", counts.databases), ("Registers", counts.registers)):
        if per_source:
            rows.append(SummaryRow(label, sum(per_source.values()), None, indent=True))
            rows += [SummaryRow(f"\u2003{name}", n, None, indent=True) for name, n in per_source.items()]
    for kind, label in OTHER_KINDS.items():
        if kind in counts.other_sources:
            rows.append(SummaryRow(label, None, counts.kind_total(kind), f"kind_{kind}", indent=True))
            rows += [SummaryRow(f"\u2003{name}", None, n, indent=True)
                     for name, n in counts.other_sources[kind].items()]

    def box(label, key, attr):
        return SummaryRow(label, getattr(dbr, attr), getattr(other, attr), key)

    rows += [
        box("Duplicate records removed", "duplicates", "duplicates"),
        box("Marked ineligible by automation tools", "automation", "automation"),
        box("Removed for other reasons", "removed_other", "removed_other"),
        box("Records screened", "screened", "screened"),
        box("Records still to screen", "awaiting", "awaiting_screening"),
        box("Records excluded", "records_excluded", "records_excluded"),
        box("Reports sought for retrieval", "sought", "sought"),
        box("Reports not retrieved", "not_retrieved", "not_retrieved"),
        box("Reports assessed for eligibility", "assessed", "assessed"),
        box("Reports excluded", "reports_excluded", "reports_excluded"),
    ]
    labels = list(dict.fromkeys([*dbr.excluded_reasons, *other.excluded_reasons]))
    rows += [SummaryRow(label, dbr.excluded_reasons.get(label, 0), other.excluded_reasons.get(label, 0), indent=True)
             for label in labels]
    rows += [
        box("Reports awaiting their full text or a decision", "awaiting_assessment", "awaiting_assessment"),
        box("Reports included", "included_reports", "included_reports"),
    ]
    return rows
