"""Read-side queries for de-duplication: the automatic merges to spot-check, merges whose two
copies were screened differently, and the records a lead may merge one into."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from review.models import DuplicatePair, Record, RecordStage, Review
from review.models.duplicates import PairStatus
from review.models.screening import Stage, StageStatus
from review.services.duplicates import SCREENING_DISAGREES

# `reasons` is a JSON list, searched as its JSON text on SQLite and PostgreSQL alike. The
# opening quote anchors the match at the start of one reason, so a person's merge reason
# that merely mentions screening does not count as the flag.
SCREENING_DISAGREEMENT = Q(status=PairStatus.MERGED, reasons__icontains=f'"{SCREENING_DISAGREES}')

STATUS_LABELS = dict(StageStatus.choices)


@dataclass(frozen=True)
class StageOutcome:
    """Where each copy stands at one stage now: a status, never a reviewer's vote."""

    stage: str
    label: str
    record_status: str | None
    kept_status: str | None
    # The kept record's stage row, for the lead's send-back form.
    kept_row_id: int | None
    kept_decisions: int

    @property
    def record_label(self) -> str | None:
        return STATUS_LABELS.get(self.record_status)

    @property
    def kept_label(self) -> str | None:
        return STATUS_LABELS.get(self.kept_status)

    @property
    def differs(self) -> bool:
        return None not in (self.record_status, self.kept_status) and self.record_status != self.kept_status


@dataclass(frozen=True)
class ScreeningDisagreement:
    pair: DuplicatePair
    stages: list[StageOutcome]

    @property
    def flags(self) -> list[str]:
        return [reason for reason in self.pair.reasons if str(reason).startswith(SCREENING_DISAGREES)]


def screening_disagreement_pairs(review: Review) -> QuerySet[DuplicatePair]:
    """Merged pairs flagged because their records had been screened to different outcomes, newest first."""
    return (
        DuplicatePair.objects.filter(SCREENING_DISAGREEMENT, review=review)
        .select_related("record", "kept", "decided_by")
        .defer("record__raw", "record__abstract", "record__extra", "kept__raw", "kept__abstract", "kept__extra")
        .order_by(F("decided_at").desc(nulls_last=True), "-id")
    )


def screening_disagreements(pairs: Iterable[DuplicatePair]) -> list[ScreeningDisagreement]:
    """Attach each copy's current stage outcomes to a page of pairs, in one query."""
    pairs = list(pairs)
    ids = {pk for pair in pairs for pk in (pair.record_id, pair.kept_id)}
    rows = {
        (record_id, stage): (pk, status, count)
        for pk, record_id, stage, status, count in RecordStage.objects.filter(record_id__in=ids)
        .values_list("pk", "record_id", "stage", "status", "decision_count")
    }
    result = []
    for pair in pairs:
        stages = []
        for stage, label in Stage.choices:
            mine, kept = rows.get((pair.record_id, stage)), rows.get((pair.kept_id, stage))
            if mine is None and kept is None:
                continue
            stages.append(StageOutcome(
                stage=stage, label=label, record_status=mine[1] if mine else None,
                kept_status=kept[1] if kept else None, kept_row_id=kept[0] if kept else None,
                kept_decisions=kept[2] if kept else 0,
            ))
        result.append(ScreeningDisagreement(pair=pair, stages=stages))
    return result


# The reason codes review.dedup writes, in the words a lead reads them in. A code with a
# number ("title=0.97") is a similarity; the others name the evidence or rule that held.
REASON_WORDS = {
    "doi": "same DOI",
    "pmid": "same PubMed ID",
    "year": "same year",
    "journal": "same journal",
    "volume": "same volume",
    "pages": "same first page",
    "same cluster": "joined through another copy of the same paper",
    "manual": "merged by a person",
    "translated-title?": "one title may be a translation of the other",
    "same-title-again": "same title a year apart under two DOIs",
    "same-abstract": "same title and the same abstract",
    "online-first": "the online-first record (no volume yet, the same year or a year earlier) and its printed issue",
    "same-printed-place": "same title, journal, year, volume and pages (authors missing or written differently)",
    "same-volume-and-pages": "same title, journal, volume and pages, dated a year apart",
    "same-issue-and-abstract": "same short title, issue and abstract",
    "same-proceedings-pages": "same short title on the same pages of one proceedings",
    "same-text-two-dois": "same title, abstract, authors, journal, year and page under two DOIs",
}
SIMILARITY_WORDS = {"title": "titles {pct}% alike", "authors": "authors {pct}% alike",
                    "abstract": "abstracts {pct}% alike"}
# What the list filters on: each a JSON-text fragment of one reason, as SCREENING_DISAGREEMENT.
REASON_FILTERS = {
    "doi": ("Same DOI", '"doi"'),
    "pmid": ("Same PubMed ID", '"pmid"'),
    "pages": ("Same first page", '"pages"'),
    "volume": ("Same volume", '"volume"'),
    "journal": ("Same journal", '"journal"'),
    "abstract": ("Abstracts compared", '"abstract='),
    "cluster": ("Joined through another copy", '"same cluster"'),
    "screening": ("Screened differently", f'"{SCREENING_DISAGREES}'),
}


def describe_reason(code) -> str:
    """One reason code in words: 'title=0.97' is 'titles 97% alike'."""
    code = str(code)
    name, _, value = code.partition("=")
    if value and name in SIMILARITY_WORDS:
        try:
            return SIMILARITY_WORDS[name].format(pct=round(float(value) * 100))
        except ValueError:
            return code
    # Rule names ("journals-differ") read as words; a sentence (the screening flag) stays whole.
    return REASON_WORDS.get(code, code if " " in code else code.replace("-", " "))


@dataclass(frozen=True)
class MergeFilters:
    reason: str = ""
    source: int | None = None
    score_min: float | None = None
    score_max: float | None = None
    text: str = ""


def automatic_merges(review: Review, filters: MergeFilters = MergeFilters()) -> QuerySet[DuplicatePair]:
    """Merges the rules made that are still in force, lowest score first: the likeliest to be wrong."""
    pairs = DuplicatePair.objects.filter(review=review, status=PairStatus.MERGED, automatic=True)
    if filters.reason in REASON_FILTERS:
        pairs = pairs.filter(reasons__icontains=REASON_FILTERS[filters.reason][1])
    if filters.source is not None:
        pairs = pairs.filter(Q(record__source_id=filters.source) | Q(kept__source_id=filters.source))
    if filters.score_min is not None:
        pairs = pairs.filter(score__gte=filters.score_min)
    if filters.score_max is not None:
        pairs = pairs.filter(score__lte=filters.score_max)
    for word in filters.text.split():
        side = Q()
        for copy in ("record", "kept"):
            side |= (Q(**{f"{copy}__title__icontains": word}) | Q(**{f"{copy}__authors__icontains": word})
                     | Q(**{f"{copy}__doi__icontains": word}))
        pairs = pairs.filter(side)
    return (
        pairs.select_related("record__source", "kept__source")
        .defer("record__raw", "record__abstract", "record__extra", "kept__raw", "kept__abstract", "kept__extra")
        .order_by("score", "id")
    )


MERGE_CANDIDATE_LIMIT = 20


def merge_candidates(record: Record, query: str) -> list[Record]:
    """Records of `record`'s review a lead may merge it into, found by title words, an author or a DOI.

    Merged records are left out (a merge goes to the kept copy), and so is the record itself.
    """
    query = query.strip()
    if not query:
        return []
    doi = query.lower().removeprefix("https://doi.org/").removeprefix("doi:").strip()
    words = query.split()
    by_title = Q()
    for word in words:
        by_title &= Q(title__icontains=word)
    found = by_title | Q(authors__icontains=query) | Q(doi__iexact=doi)
    if doi.startswith("10."):
        found |= Q(doi__icontains=doi)
    if query.lstrip("#").isdigit():
        found |= Q(pk=int(query.lstrip("#")))
    return list(
        Record.objects.filter(found, review_id=record.review_id, duplicate_of__isnull=True)
        .exclude(pk=record.pk).select_related("source")
        .defer("raw", "abstract", "extra").order_by("title", "id")[:MERGE_CANDIDATE_LIMIT]
    )
