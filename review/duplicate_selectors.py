"""Read-side queries for de-duplication: merges whose two copies were screened differently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from review.models import DuplicatePair, RecordStage, Review
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
