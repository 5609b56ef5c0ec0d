"""Read-side queries for screening: queues, what a user may see, conflicts, counts."""

from __future__ import annotations

import hashlib

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Mod

from review.models import Conflict, Membership, Record, RecordStage, Review, ScreeningDecision
from review.models.fulltext import RetrievalStatus
from review.models.screening import ConflictStatus, Stage, StageStatus, Vote
from review.services.screening import reviewers_needed

ORDERS = ("random", "year", "title")
# An affine map then a square, modulo two primes below 2**31, coefficients drawn from the
# reviewer's seed: a different shuffle for each reviewer, stable across requests, in
# arithmetic that SQLite and PostgreSQL both evaluate in 64-bit integers. Affine maps
# alone leave consecutive ids in visible arithmetic runs; the square breaks them up.
_P1 = 2_147_483_647
_P2 = 2_147_483_629


def reviewer_seed(review: Review, user) -> tuple[int, int, int, int]:
    digest = hashlib.sha256(f"{review.pk}:{user.pk}".encode()).digest()
    a = 1 + int.from_bytes(digest[0:4], "big") % (_P1 - 1)
    b = int.from_bytes(digest[4:8], "big") % _P1
    c = 1 + int.from_bytes(digest[8:12], "big") % (_P2 - 1)
    d = 1 + int.from_bytes(digest[12:16], "big") % (_P2 - 1)
    return a, b, c, d


def _shuffle_key(seed: tuple[int, int, int, int]):
    a, b, c, d = seed
    x = Mod(F("id") * a + b, _P1)
    return Mod(Mod(x * x + c, _P2) * d + c, _P2)


def queue(review: Review, user, stage: str, *, order: str = "random") -> QuerySet[Record]:
    """Records this reviewer has not decided that still need decisions; never a merged duplicate."""
    needed = reviewers_needed(review, stage)
    mine = ScreeningDecision.objects.filter(record=OuterRef("pk"), stage=stage, reviewer=user)
    records = Record.objects.filter(review=review, duplicate_of__isnull=True).exclude(Exists(mine))
    if stage == Stage.TITLE_ABSTRACT:
        closed = RecordStage.objects.filter(record=OuterRef("pk"), stage=stage).filter(
            ~Q(status=StageStatus.AWAITING) | Q(decision_count__gte=needed)
        )
        records = records.exclude(Exists(closed))
    else:
        open_ft = RecordStage.objects.filter(
            record=OuterRef("pk"), stage=stage, status=StageStatus.AWAITING, decision_count__lt=needed
        )
        records = records.filter(Exists(open_ft), full_text__status=RetrievalStatus.RETRIEVED)
    if order == "year":
        return records.order_by(F("year").desc(nulls_last=True), "id")
    if order == "title":
        return records.order_by("title", "id")
    return records.annotate(shuffle=_shuffle_key(reviewer_seed(review, user))).order_by("shuffle", "id")


def next_record(review: Review, user, stage: str, *, order: str = "random") -> Record | None:
    return queue(review, user, stage, order=order).select_related("source").first()


def own_decision(record: Record, stage: str, user) -> ScreeningDecision | None:
    return (
        ScreeningDecision.objects.select_related("exclusion_reason")
        .filter(record=record, stage=stage, reviewer=user).first()
    )


def visible_other_decisions(review: Review, record: Record, stage: str, user, *, own) -> list[ScreeningDecision]:
    """Colleagues' votes on a record, only where the rules allow this user to see them.

    Blind mode hides them from reviewers entirely; without it a reviewer sees them once
    their own vote is in. Arbiters see both sides on the conflict page, not here.
    """
    if review.blind_mode or own is None:
        return []
    return list(
        ScreeningDecision.objects.select_related("reviewer", "exclusion_reason")
        .filter(record=record, stage=stage).exclude(reviewer=user)
    )


def my_decisions(review: Review, user, stage: str):
    return (
        ScreeningDecision.objects.filter(record__review=review, stage=stage, reviewer=user)
        .select_related("record", "record_stage", "exclusion_reason").order_by("-updated_at", "-id")
    )


def open_conflicts(review: Review):
    return (
        Conflict.objects.filter(record__review=review, status=ConflictStatus.OPEN)
        .select_related("record", "record_stage").order_by("created_at", "id")
    )


def stage_counts(review: Review) -> dict[str, dict[str, int]]:
    """Per stage: awaiting a first vote, awaiting more votes, conflicts, and each outcome."""
    live = Record.objects.filter(review=review, duplicate_of__isnull=True)
    total = live.count()
    counts: dict[str, dict[str, int]] = {}
    rows = (
        RecordStage.objects.filter(review=review, record__duplicate_of__isnull=True)
        .values("stage", "status")
        .annotate(n=Count("id"), started=Count("id", filter=Q(decision_count__gt=0)))
    )
    for stage in Stage.values:
        counts[stage] = {status: 0 for status in StageStatus.values}
        counts[stage]["partly_voted"] = 0
    for row in rows:
        counts[row["stage"]][row["status"]] = row["n"]
        if row["status"] == StageStatus.AWAITING:
            counts[row["stage"]]["partly_voted"] = row["started"]
    for stage in Stage.values:
        c = counts[stage]
        stage_rows = sum(c[s] for s in StageStatus.values)
        if stage == Stage.TITLE_ABSTRACT:
            # Records nobody has voted on yet have no row at title/abstract.
            c["awaiting"] += total - stage_rows
        c["no_vote"] = c["awaiting"] - c["partly_voted"]
    return counts


def reviewer_stats(review: Review) -> list[dict]:
    rows = (
        ScreeningDecision.objects.filter(record__review=review)
        .values("reviewer__username", "stage")
        .annotate(
            votes=Count("id"),
            includes=Count("id", filter=Q(vote__in=[Vote.INCLUDE, Vote.MAYBE])),
        ).order_by("stage", "reviewer__username")
    )
    return [
        {**row, "include_rate": row["includes"] / row["votes"] if row["votes"] else None} for row in rows
    ]


def votes_by_record(review: Review, stage: str) -> dict[int, dict[str, str]]:
    """{record id: {username: vote}}, the input of the agreement statistics."""
    table: dict[int, dict[str, str]] = {}
    rows = ScreeningDecision.objects.filter(record__review=review, stage=stage).values_list(
        "record_id", "reviewer__username", "vote"
    )
    for record_id, username, vote in rows.iterator(chunk_size=5000):
        table.setdefault(record_id, {})[username] = vote
    return table


def is_reviewer(review: Review, user) -> bool:
    return Membership.active.filter(review=review, user=user, is_reviewer=True).exists()
