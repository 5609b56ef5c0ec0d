"""The "most likely relevant first" queue: each reviewer's ranked records, one index read each.

A reviewer's ranking is the latest ready ``RankingRun`` of theirs. The queue walks that run's
(run, rank) index from the reviewer's cursor and stops at the first record still open for
them; records the run did not score (imported or brought back since) follow in the
reviewer's fixed random order. What it learnt from is settled outcomes and the reviewer's own
votes only (review.screening.retraining), so no colleague's pending vote moves this order.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from review.models import RankingRun, RecordStage, RelevanceScore, Review, ScreeningDecision
from review.models.screening import Stage, StageStatus

SCORED, UNSCORED = 0, 1


def current_run(review: Review, user) -> RankingRun | None:
    return (
        RankingRun.objects.filter(review=review, reviewer=user, ready=True)
        .order_by("-created_at", "-id").only("id").first()
    )


def has_both_outcomes(review: Review) -> bool:
    """True once title/abstract screening has settled at least one include and one exclude."""
    rows = RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
    return (rows.filter(status=StageStatus.ADVANCED).exists()
            and rows.filter(status=StageStatus.EXCLUDED).exists())


def default_order(review: Review, stage: str) -> str:
    """Ranked once there is something to learn from at title/abstract; random before."""
    if stage == Stage.TITLE_ABSTRACT and has_both_outcomes(review):
        return "relevant"
    return "random"


def _cursor(cursor, run_id: int) -> tuple[int, int, int] | None:
    """(phase, key, row id) from the session, or None to start at the top of the ranking.

    A cursor of an earlier run points into a ranking that no longer exists: start over.
    """
    if not isinstance(cursor, list | tuple) or len(cursor) != 4:
        return None
    if any(not isinstance(v, int) or isinstance(v, bool) for v in cursor) or cursor[0] != run_id:
        return None
    _, phase, key, pk = cursor
    return (phase, key, pk) if phase in (SCORED, UNSCORED) else None


def _scored(run_id: int, user, needed: int, *, at_or_after: int | None = None, before: int | None = None):
    # Joined rather than "record_stage in (open rows)": the database then walks the (run,
    # rank) index and checks each row as it goes, instead of first listing every open row.
    scores = RelevanceScore.objects.filter(
        run_id=run_id, record_stage__status=StageStatus.AWAITING, record_stage__decision_count__lt=needed,
        record_stage__record__duplicate_of__isnull=True,
    ).exclude(Exists(ScreeningDecision.objects.filter(record_stage=OuterRef("record_stage_id"), reviewer=user)))
    if at_or_after is not None:
        scores = scores.filter(rank__gte=at_or_after)
    if before is not None:
        scores = scores.filter(rank__lt=before)
    # The record comes in the same query: serving it costs this one index walk.
    score = (
        scores.select_related("record_stage__record__source")
        .defer("record_stage__record__raw", "record_stage__record__extra").order_by("rank").first()
    )
    return (score.rank, score.record_stage) if score else None


def _unscored(run_id: int, open_rows, *, at_or_after: int | None = None, before: int | None = None):
    rows = open_rows
    if run_id:
        rows = rows.exclude(Exists(RelevanceScore.objects.filter(record_stage=OuterRef("pk"), run_id=run_id)))
    if at_or_after is not None:
        rows = rows.filter(shuffle__gte=at_or_after)
    if before is not None:
        rows = rows.filter(shuffle__lt=before)
    row = rows.order_by("shuffle", "id").first()
    return (row.shuffle, row) if row else None


def cursor_at(review: Review, user, stage: str, row: RecordStage) -> list[int]:
    """The cursor from which ``next_relevant`` serves ``row`` first, while it is open for ``user``."""
    run = current_run(review, user) if stage == Stage.TITLE_ABSTRACT else None
    run_id = run.pk if run else 0
    rank = (RelevanceScore.objects.filter(run_id=run_id, record_stage=row).values_list("rank", flat=True).first()
            if run_id else None)
    if rank is None:
        return [run_id, UNSCORED, row.shuffle, row.pk]
    return [run_id, SCORED, rank, row.pk]


def next_relevant(review: Review, user, stage: str, open_rows, *, needed: int, start: int, cursor=None):
    """(stage row, cursor) of the next record in the reviewer's ranked order, or (None, None);
    the row comes with its record and source.

    ``open_rows`` are the stage rows still open for this reviewer (with their records
    selected); ``start`` is where their
    random order begins. Scored records come first by rank, then the unscored ones by
    shuffle key; each part wraps around once, like the other orders.
    """
    run = current_run(review, user) if stage == Stage.TITLE_ABSTRACT else None
    run_id = run.pk if run else 0
    parsed = _cursor(cursor, run_id)
    phase, key, _ = parsed if parsed else (SCORED if run_id else UNSCORED, 0 if run_id else start, 0)
    if phase == SCORED:
        found = _scored(run_id, user, needed, at_or_after=key) or (key and _scored(run_id, user, needed, before=key))
        if found:
            return found[1], [run_id, SCORED, found[0], found[1].pk]
        key = start
    found = _unscored(run_id, open_rows, at_or_after=key) or _unscored(run_id, open_rows, before=key)
    if found:
        return found[1], [run_id, UNSCORED, found[0], found[1].pk]
    if phase == UNSCORED and run_id:
        # Records the run scored can come back (sent back by the lead): look once more from the top.
        found = _scored(run_id, user, needed, at_or_after=0)
        if found:
            return found[1], [run_id, SCORED, found[0], found[1].pk]
    return None, None
