"""The stopping rule as the lead's dashboard shows it: the buscar statistic over the title/abstract
records settled since ranking began, in the order they settled.

Settled records only, like every other count the dashboard shows (DESIGN.md invariant 1).
"""

from __future__ import annotations

import datetime as dt

from review.models import RankingRun, Record, RecordStage, Review, ScreeningStop
from review.models.screening import Stage, StageStatus
from review.screening.stopping import StoppingResult, buscar

SETTLED = (StageStatus.ADVANCED, StageStatus.EXCLUDED)


def ranking_began(review: Review) -> dt.datetime | None:
    """When the first ranking of the review was ready: the stopping rule counts from there."""
    return (
        RankingRun.objects.filter(review=review, ready=True).order_by("created_at")
        .values_list("created_at", flat=True).first()
    )


def stop_in_force(review: Review) -> ScreeningStop | None:
    return ScreeningStop.objects.filter(review=review, resumed_at__isnull=True).select_related("stopped_by").first()


def stopping_status(review: Review) -> StoppingResult | None:
    """The statistic now, or None before the first ranking.

    The urn is every record not settled when ranking began; the includes settled before
    then count as found (``prior``), so recall is over all the review's relevant records.
    """
    began = ranking_began(review)
    if began is None:
        return None
    settled = RecordStage.objects.filter(
        review=review, stage=Stage.TITLE_ABSTRACT, status__in=SETTLED, record__duplicate_of__isnull=True
    )
    after = settled.filter(decided_at__gte=began).order_by("decided_at", "id").values_list("status", flat=True)
    labels = [1 if status == StageStatus.ADVANCED else 0 for status in after.iterator(chunk_size=5000)]
    before = settled.exclude(decided_at__gte=began)
    prior_screened = before.count()
    prior = before.filter(status=StageStatus.ADVANCED).count()
    total = Record.objects.filter(review=review, duplicate_of__isnull=True).count() - prior_screened
    return buscar(labels, total, recall_target=review.recall_target, confidence=review.stop_confidence, prior=prior)
