"""The stopping rule as the lead's dashboard shows it: the buscar statistic over the title/abstract
records settled since ranking began, in the order they settled.

Settled records only, like every other count the dashboard shows (DESIGN.md invariant 1).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.cache import cache

from review.models import RankingRun, Record, RecordStage, Review, ScreeningStop
from review.models.screening import Stage, StageStatus
from review.screening.kept import unique_records
from review.screening.stopping import StoppingResult, buscar

SETTLED = (StageStatus.ADVANCED, StageStatus.EXCLUDED)
CACHE_SECONDS = 24 * 3600


def first_run(review: Review) -> RankingRun | None:
    """The review's first ready ranking: the stopping rule counts from its snapshot."""
    return RankingRun.objects.filter(review=review, ready=True).order_by("created_at", "id").first()


def ranking_began(review: Review) -> dt.datetime | None:
    run = first_run(review)
    return run.created_at if run else None


def stop_in_force(review: Review) -> ScreeningStop | None:
    return ScreeningStop.objects.filter(review=review, resumed_at__isnull=True).select_related("stopped_by").first()


def stopping_status(review: Review) -> StoppingResult | None:
    """The statistic now, or None before the first ranking.

    The inputs mean what they mean in ``manage.py screening_simulate`` (review.screening.simulation),
    so the live rule and the simulated one are one rule: ``total`` is every record of the review,
    ``prior`` the records settled before ranking began (left out of the test, counted in
    ``screened``), and the labels those settled since, in the order they settled.
    ``includes_found`` is then the includes since ranking began; ``includes_before`` adds the rest.
    """
    first = first_run(review)
    if first is None:
        return None
    # What was settled when ranking began is the first run's snapshot: counting it again
    # would read every settled row. After it, the rows come from the (review, stage,
    # decided_at) index in the order they settled; merged duplicates, few, are taken off.
    merged = Record.objects.filter(review=review, duplicate_of__isnull=False).values("id")
    after = (
        RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, decided_at__gte=first.created_at,
                                   status__in=SETTLED)
        .exclude(record_id__in=merged).order_by("decided_at", "id").values_list("status", flat=True)
    )
    labels = bytes(1 if status == StageStatus.ADVANCED else 0 for status in after.iterator(chunk_size=5000))
    total = unique_records(review)
    inputs = (total, first.settled_count, review.recall_target, review.stop_confidence)
    # buscar takes about half a second at 100,000 records (bench/bench_screening_ranked.py) and
    # the dashboard asks on every load; the key is every input, so a kept result is exact.
    key = "buscar:" + hashlib.blake2b(labels + repr(inputs).encode(), digest_size=20).hexdigest()
    result = cache.get(key)
    if result is None:
        result = buscar(list(labels), total, recall_target=review.recall_target, confidence=review.stop_confidence,
                        prior=first.settled_count)
        cache.set(key, result, CACHE_SECONDS)
    return result


def includes_before(review: Review) -> int:
    """The includes settled before ranking began: buscar's ``includes_found`` leaves them out,
    so a count of every include found adds them."""
    first = first_run(review)
    return first.includes if first else 0
