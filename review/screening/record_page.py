"""Where one record stands in screening, as its own page shows it to a member.

Outcomes and counts only: under blind mode a reviewer sees their own vote and nobody
else's, so the page shows no colleague's vote, note or reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from review.models import FullText, Record, RecordStage, ScreeningDecision
from review.models.screening import Stage, StageStatus
from review.screening.services import reviewers_needed


@dataclass(frozen=True)
class StageState:
    stage: str
    label: str
    slug: str
    row: RecordStage | None
    needed: int
    own: ScreeningDecision | None

    @property
    def awaiting(self) -> bool:
        return self.row is not None and self.row.status == StageStatus.AWAITING


def record_screening(record: Record, user, slugs: dict[str, str]) -> dict:
    """Per stage the record's row, the votes needed and the user's own vote; its full text.

    ``slugs`` names each stage in URLs (the screening views own that mapping)."""
    rows = {row.stage: row for row in RecordStage.objects.filter(record=record).select_related("exclusion_reason")}
    own = {
        d.stage: d
        for d in ScreeningDecision.objects.filter(record=record, reviewer=user).select_related("exclusion_reason")
    }
    stages = [
        StageState(stage=stage, label=label, slug=slugs[stage], row=rows.get(stage), needed=reviewers_needed(record.review, stage),
                   own=own.get(stage))
        for stage, label in Stage.choices
    ]
    return {"stages": stages, "full_text": FullText.objects.filter(record=record).first()}
