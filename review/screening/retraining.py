"""Retraining the ranked title/abstract queue, on schedule or when the lead asks.

What a reviewer's ranking learns from (DESIGN.md invariant 1): the review's settled
outcomes (every vote in and agreeing, or the arbiter's resolution) and that reviewer's own
votes on records not settled yet. Never a colleague's pending vote: it would leak through
the order of the queue. For the same reason a run records the settled includes and
excludes and only the number of the reviewer's own pending votes, not their direction.
"""

from __future__ import annotations

import hashlib
import time

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from review.models import (
    Membership,
    RankingRun,
    RecordStage,
    RelevanceScore,
    Review,
    ScreeningDecision,
)
from review.models.screening import Stage, StageStatus, Vote
from review.screening import ranking
from review.services.audit import audit_record

NOT_A_LEAD = "Only a lead of this review can do this."
NOTHING_TO_LEARN = "The ranking needs at least one settled include and one settled exclude at title/abstract."

SETTLED_LABELS = {StageStatus.ADVANCED: 1, StageStatus.EXCLUDED: 0}
SCHEDULE, REQUESTED, RESUMED = "schedule", "requested", "resumed"
BATCH = 5000


def _now():
    return timezone.now()


def _ta_rows(review: Review):
    return RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, record__duplicate_of__isnull=True)


def settled_labels(review: Review) -> dict[int, int]:
    """{title/abstract stage row id: 1 include / 0 exclude} over the review's settled records."""
    rows = _ta_rows(review).filter(status__in=list(SETTLED_LABELS)).values_list("pk", "status")
    return {pk: SETTLED_LABELS[status] for pk, status in rows.iterator(chunk_size=BATCH)}


def own_pending_labels(review: Review, reviewer) -> dict[int, int]:
    """{stage row id: 1/0} from this reviewer's own votes on records not settled yet."""
    votes = ScreeningDecision.objects.filter(
        review=review, stage=Stage.TITLE_ABSTRACT, reviewer=reviewer,
        record_stage__status__in=[StageStatus.AWAITING, StageStatus.CONFLICT],
    ).values_list("record_stage_id", "vote")
    return {pk: 0 if vote == Vote.EXCLUDE else 1 for pk, vote in votes}


def training_labels(review: Review, reviewer, settled: dict[int, int] | None = None) -> dict[int, int]:
    """What ``reviewer``'s ranking learns from: settled outcomes, then their own pending votes."""
    labels = dict(settled_labels(review) if settled is None else settled)
    labels.update(own_pending_labels(review, reviewer))
    return labels


def _texts(review: Review) -> tuple[list[int], list[str]]:
    rows = _ta_rows(review).order_by("pk").values_list("pk", "record__title", "record__abstract", "record__keywords")
    ids, texts = [], []
    for pk, title, abstract, keywords in rows.iterator(chunk_size=BATCH):
        ids.append(pk)
        words = " ".join(str(k) for k in keywords) if isinstance(keywords, list) else str(keywords or "")
        texts.append(ranking.record_text(title, abstract, words))
    return ids, texts


# The TF-IDF features depend on the texts alone, never on a label, and are most of a
# retraining's cost at 100,000 records (bench/bench_screening_ranked.py). The worker keeps the
# last review's features and reuses them while its texts are unchanged; one review only, as the
# matrix is a few hundred megabytes at that size.
_features_kept: tuple[tuple, object] | None = None


def _features(review: Review, ids: list[int], texts: list[str], settings: ranking.RankerSettings):
    global _features_kept
    digest = hashlib.blake2b(digest_size=16)
    for pk, text in zip(ids, texts, strict=True):
        digest.update(f"{pk}\x1f{text}\x1e".encode())
    key = (review.pk, settings, digest.hexdigest())
    if _features_kept is None or _features_kept[0] != key:
        _features_kept = None  # let the old matrix go before the new one is built
        _features_kept = (key, ranking.vectorise(texts, settings))
    return _features_kept[1]


def _candidates(review: Review, reviewer) -> list[int]:
    """Stage rows that can be in this reviewer's queue: awaiting votes, not voted by them.

    Whether a colleague voted on a row plays no part, so the ranking is the same either way."""
    voted = ScreeningDecision.objects.filter(record_stage=OuterRef("pk"), reviewer=reviewer)
    rows = _ta_rows(review).filter(status=StageStatus.AWAITING).exclude(Exists(voted))
    return list(rows.values_list("pk", flat=True).iterator(chunk_size=BATCH))


def _insert_scores(run: RankingRun, rows: list[tuple[int, int, float]]) -> None:
    """(stage row id, rank, score) rows of a run, in plain INSERTs: building a model instance
    per row (bulk_create) costs half a minute per reviewer at 100,000 records."""
    quote = connection.ops.quote_name
    table = quote(RelevanceScore._meta.db_table)
    columns = ", ".join(quote(c) for c in ("run_id", "record_stage_id", "rank", "score"))
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)"
    for start in range(0, len(rows), BATCH):
        # One short transaction per batch: one commit instead of one per row, and votes
        # wait for the write lock no longer than a batch takes.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, [(run.pk, *row) for row in rows[start:start + BATCH]])


def settled_count(review: Review) -> int:
    return RecordStage.objects.filter(
        review=review, stage=Stage.TITLE_ABSTRACT, status__in=list(SETTLED_LABELS)
    ).count()


def ranking_retrain(*, review: Review, reason: str = SCHEDULE) -> list[RankingRun]:
    """Retrain every active reviewer's ranking; returns the runs written (none before both
    outcomes are settled). Runs in the worker: reads outside any long transaction, writes
    each reviewer's scores in batches, then flips the run to ready in one short one."""
    # The snapshot time: every run is stamped with it, and the stopping rule counts the
    # records settled from the first run's stamp on (review.screening.stopping_status).
    snapshot_at = _now()
    settled = settled_labels(review)
    if set(settled.values()) != {0, 1}:
        return []
    from review.screening.services import stages_sync

    # Records imported since anyone last opened the queue get their rows, so they are ranked too.
    stages_sync(review=review)
    count = len(settled)
    ids, texts = _texts(review)
    position = {pk: i for i, pk in enumerate(ids)}
    settings = ranking.RankerSettings()
    includes = sum(settled.values())
    fitted: dict[frozenset, object] = {}
    runs = []
    reviewers = Membership.active.filter(review=review, is_reviewer=True).select_related("user").order_by("user_id")
    for membership in reviewers:
        started = time.perf_counter()
        own = own_pending_labels(review, membership.user)
        labels = {position[pk]: y for pk, y in {**settled, **own}.items() if pk in position}
        key = frozenset(labels.items())
        if key not in fitted:
            # Reviewers with no pending vote of their own learn from the same data: fit once.
            # Every reviewer's fit reads the same features, built once (and kept, above).
            fitted[key] = ranking.fit_scores_matrix(_features(review, ids, texts, settings), labels, settings)
        scores = fitted[key]
        candidates = [position[pk] for pk in _candidates(review, membership.user) if pk in position]
        order = ranking.rank_order(scores, candidates)
        run = RankingRun.objects.create(
            review=review, reviewer=membership.user, settings=settings.as_dict(), training_size=len(labels),
            includes=includes, excludes=count - includes, own_votes=len(own), settled_count=count,
            scored=len(order), duration_seconds=0.0, reason=reason, created_at=snapshot_at,
        )
        _insert_scores(run, [(ids[i], rank, float(scores[i])) for rank, i in enumerate(order)])
        run.duration_seconds = time.perf_counter() - started
        run.ready = True
        run.save(update_fields=["duration_seconds", "ready"])
        # The queue now reads this run; the scores of earlier ones are dead weight.
        RelevanceScore.objects.filter(run__review=review, run__reviewer=membership.user).exclude(run=run).delete()
        runs.append(run)
    if runs:
        with transaction.atomic():
            audit_record(action="ranking.retrained", review=review, obj=runs[-1], new={
                "reason": reason, "settings": settings.as_dict(), "settled": count, "includes": includes,
                "excludes": count - includes, "reviewers": len(runs),
            })
    return runs


def _last_trained(review: Review) -> int | None:
    return RankingRun.objects.filter(review=review, ready=True).aggregate(n=Max("settled_count"))["n"]


def retrain_due(review: Review, status: str) -> bool:
    """While a title/abstract record settles as ``status`` (its row not saved yet): is a
    retraining due once it is?

    Due when the settled count passes each further multiple of RETRAIN_EVERY since the last
    retraining, and before any, as soon as both outcomes exist (the first of its kind settling).
    """
    rows = RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
    count = settled_count(review) + 1
    last = _last_trained(review)
    if last is None:
        other = StageStatus.EXCLUDED if status == StageStatus.ADVANCED else StageStatus.ADVANCED
        if not rows.filter(status=status).exists() and rows.filter(status=other).exists():
            return True
        last = 0
    since = count - last
    return since >= ranking.RETRAIN_EVERY and since % ranking.RETRAIN_EVERY == 0


def _enqueue(review_id: int, reason: str) -> None:
    from review.tasks import retrain_ranking

    retrain_ranking.enqueue(review_id, reason)


def enqueue_retrain(review: Review, reason: str) -> None:
    """Hand a retraining to the worker once the current transaction commits."""
    transaction.on_commit(lambda: _enqueue(review.pk, reason))


def after_settle(*, review: Review, status: str) -> None:
    """Called by the screening services as a title/abstract record settles, before its row is saved."""
    if status in SETTLED_LABELS and retrain_due(review, status):
        enqueue_retrain(review, SCHEDULE)


@transaction.atomic
def ranking_request(*, review: Review, actor) -> None:
    """The lead's "Update ranking now": audited, then handed to the worker."""
    if not Membership.active.filter(review=review, user=actor, is_lead=True).exists():
        raise ValidationError(NOT_A_LEAD)
    if set(settled_labels(review).values()) != {0, 1}:
        raise ValidationError(NOTHING_TO_LEARN)
    audit_record(action="ranking.requested", actor=actor, review=review, obj=review,
                 new={"settled": settled_count(review)})
    enqueue_retrain(review, REQUESTED)
