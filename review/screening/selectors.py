"""Read-side queries for screening: queues, what a user may see, conflicts, counts."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from review.blinding import colleagues_votes_visible
from review.models import (
    Conflict,
    FullText,
    Membership,
    Record,
    RecordStage,
    Review,
    ScreeningDecision,
)
from review.models.fulltext import RetrievalStatus
from review.models.screening import ConflictStatus, Stage, StageStatus
from review.screening import ranked_queue
from review.screening.kept import kept, unique_records
from review.screening.services import INCLUDING_VOTES, reviewers_needed

ORDERS = ("relevant", "random", "year", "title")
ORDER_LABELS = {"relevant": "Most likely relevant first", "random": "Random", "year": "Newest first", "title": "Title"}


def reviewer_offset(review: Review, user) -> int:
    """Where this reviewer starts in the review's shuffled order: fixed per reviewer, so
    each sees a stable random order and two reviewers start far apart."""
    digest = hashlib.blake2b(f"{review.pk}:{user.pk}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _needing_votes(review: Review, stage: str, via: str = "") -> dict:
    """Filters for stage rows still short of votes; ``via`` reaches them from another model."""
    return {f"{via}stage": stage, f"{via}status": StageStatus.AWAITING,
            f"{via}decision_count__lt": reviewers_needed(review, stage)}


def _voted_by(user) -> Exists:
    # Probes the decision_stage_votes index, which leads with (record_stage, reviewer).
    return Exists(ScreeningDecision.objects.filter(record_stage=OuterRef("pk"), reviewer=user))


def open_rows(review: Review, user, stage: str) -> QuerySet[RecordStage]:
    """Stage rows that still need votes and that this reviewer has not decided; never a merged duplicate."""
    rows = RecordStage.objects.filter(
        review=review, record__duplicate_of__isnull=True, **_needing_votes(review, stage)
    ).exclude(_voted_by(user))
    if stage == Stage.FULL_TEXT:
        rows = rows.filter(Exists(FullText.objects.filter(record=OuterRef("record_id"), status=RetrievalStatus.RETRIEVED)))
    return rows


def remaining(review: Review, user, stage: str) -> int:
    """How many records are left in this reviewer's queue, without walking the whole queue.

    At title/abstract: rows that still need votes, less those of merged duplicates, less
    those this reviewer already voted on. Only rows with some but not all votes in can be
    theirs; bounding decision_count on both sides keeps that set small in the planner's
    eyes too (status and decision_count go together: finished rows hold all their votes),
    so each of those rows is checked through the decision_stage_votes index rather than
    every vote the reviewer ever cast being read. Full text is small: counted directly.
    """
    if stage == Stage.FULL_TEXT:
        return open_rows(review, user, stage).count()
    open_ = RecordStage.objects.filter(review=review, **_needing_votes(review, stage))
    # Driven from the merged records (few) to their rows, not from every open row.
    merged = Record.objects.filter(
        review=review, duplicate_of__isnull=False, **_needing_votes(review, stage, via="stages__")
    ).count()
    voted = open_.filter(decision_count__gt=0, record__duplicate_of__isnull=True).filter(_voted_by(user)).count()
    return open_.count() - merged - voted


# The stage-row column each order walks; every one is indexed after (review, stage, status).
ORDER_KEYS = {"random": "shuffle", "year": "year_key", "title": "title_key"}


def queue(review: Review, user, stage: str, *, order: str = "title") -> QuerySet[Record]:
    """The whole queue as records, in the order ``next_record`` serves them from the start.

    For listings and checks; serving one record never sorts the queue (``next_record``).
    """
    key = ORDER_KEYS.get(order, "title_key")
    # order_by reuses the join of the filter, so each record comes once, with its row's key.
    return Record.objects.filter(stages__in=open_rows(review, user, stage)).order_by(f"stages__{key}", "stages__id")


def _keyset_cursor(cursor, order: str) -> tuple | None:
    # The session holds what the view stored there; anything else (an older form) starts over.
    if not isinstance(cursor, list | tuple) or len(cursor) != 2:
        return None
    key, pk = cursor
    key_type = str if order == "title" else int
    if not isinstance(key, key_type) or isinstance(key, bool) or not isinstance(pk, int):
        return None
    return key, pk


def _bounds(order: str, cursor) -> tuple[Q, Q]:
    """Rows at or after the cursor in the order's index, and rows before it.

    The cursor's row itself counts, so a reload serves the record on screen again.
    """
    if order == "random":
        return Q(shuffle__gte=cursor), Q(shuffle__lt=cursor)
    field, (key, pk) = ORDER_KEYS[order], cursor
    # The bare bound on the key is redundant with the OR beside it, but it is what lets the
    # database start its index scan at the cursor instead of at the top of the order.
    at_or_after = Q(**{f"{field}__gte": key}) & (Q(**{f"{field}__gt": key}) | Q(**{field: key, "id__gte": pk}))
    before = Q(**{f"{field}__lte": key}) & (Q(**{f"{field}__lt": key}) | Q(**{field: key, "id__lt": pk}))
    return at_or_after, before


def next_record(review: Review, user, stage: str, *, order: str = "random", cursor=None):
    """The next record to serve, or None; ``record.queue_cursor`` is where to resume next time.

    Every order walks its (review, stage, status, key) index from the reviewer's cursor and
    stops at the first open row, so it costs the same at 100 or 100,000 records; at the end
    of the order it wraps around to the start. The random cursor is a shuffle key, starting
    at the reviewer's own place; the year and title cursors are [key, row id] lists (JSON,
    for the session), starting at the top of the order.
    """
    if order == "relevant":
        return _next_relevant(review, user, stage, cursor)
    order = order if order in ORDER_KEYS else "random"
    by = (ORDER_KEYS[order], "id")
    rows = _served(open_rows(review, user, stage))
    if order == "random":
        cursor = cursor if isinstance(cursor, int) else reviewer_offset(review, user)
    else:
        cursor = _keyset_cursor(cursor, order)
    if cursor is None:
        row = rows.order_by(*by).first()
    else:
        at_or_after, before = _bounds(order, cursor)
        row = rows.filter(at_or_after).order_by(*by).first()
        if row is None:
            # Once per pass through the order: wrap around to records before the cursor.
            row = rows.filter(before).order_by(*by).first()
    if row is None:
        return None
    row.record.queue_cursor = row.shuffle if order == "random" else [getattr(row, by[0]), row.pk]
    return row.record


def cursor_at(review: Review, user, stage: str, row: RecordStage, *, order: str = "random"):
    """The cursor from which ``next_record`` serves ``row`` first, while it is open for ``user``:
    a vote taken back puts its record at the head of the reviewer's queue again."""
    if order == "relevant":
        return ranked_queue.cursor_at(review, user, stage, row)
    if order not in ORDER_KEYS or order == "random":
        return row.shuffle
    return [getattr(row, ORDER_KEYS[order]), row.pk]


def _served(rows: QuerySet[RecordStage]) -> QuerySet[RecordStage]:
    return rows.select_related("record", "record__source").defer("record__raw", "record__extra")


def _next_relevant(review: Review, user, stage: str, cursor):
    row, cursor = ranked_queue.next_relevant(
        review, user, stage, _served(open_rows(review, user, stage)), needed=reviewers_needed(review, stage),
        start=reviewer_offset(review, user), cursor=cursor,
    )
    if row is None:
        return None
    row.record.queue_cursor = cursor
    return row.record


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
    if not colleagues_votes_visible(review, own):
        return []
    return list(
        ScreeningDecision.objects.select_related("reviewer", "exclusion_reason")
        .filter(record=record, stage=stage).exclude(reviewer=user)
    )


def my_decisions(review: Review, user, stage: str):
    return (
        ScreeningDecision.objects.filter(review=review, stage=stage, reviewer=user)
        .select_related("record", "record_stage", "exclusion_reason").order_by("-updated_at", "-id")
    )


def open_conflicts(review: Review):
    return (
        Conflict.objects.filter(record__review=review, status=ConflictStatus.OPEN)
        .select_related("record", "record_stage").order_by("created_at", "id")
    )


def stage_counts(review: Review) -> dict[str, dict[str, int]]:
    """Per stage: awaiting a first vote, awaiting more votes, conflicts, and each outcome.

    Rows are counted from the (review, stage, status, decision_count) index alone; the few
    rows of merged duplicates are counted apart and taken off, rather than joining every
    row to its record. Kept per review state (review.screening.kept); records not yet given
    their row count as awaiting, so ``stages_sync`` leaves the counts as they were.
    """
    return kept(review, "stage_counts", lambda: _stage_counts(review))


def _stage_counts(review: Review) -> dict[str, dict[str, int]]:
    total = unique_records(review)
    merged = Record.objects.filter(review=review, duplicate_of__isnull=False).values("id")
    counts: dict[str, dict[str, int]] = {
        stage: {**{status: 0 for status in StageStatus.values}, "partly_voted": 0} for stage in Stage.values
    }
    for rows, sign in ((RecordStage.objects.filter(review=review), 1),
                       (RecordStage.objects.filter(review=review, record_id__in=merged), -1)):
        grouped = rows.values("stage", "status").annotate(
            n=Count("id"), started=Count("id", filter=Q(decision_count__gt=0))
        ).order_by()
        for row in grouped:
            counts[row["stage"]][row["status"]] += sign * row["n"]
            if row["status"] == StageStatus.AWAITING:
                counts[row["stage"]]["partly_voted"] += sign * row["started"]
    for stage in Stage.values:
        c = counts[stage]
        if stage == Stage.TITLE_ABSTRACT:
            # Records imported since the queue was last opened have no row yet.
            c["awaiting"] += total - sum(c[s] for s in StageStatus.values)
        c["no_vote"] = c["awaiting"] - c["partly_voted"]
    return counts


def reviewer_stats(review: Review) -> list[dict]:
    """Votes per reviewer and stage, and the include rate over settled records only.

    A vote on a record still waiting for votes never moves a rate: otherwise a viewer who
    has yet to vote on an identifiable record ("1 of 2 votes in") would read the direction
    of the one vote in from the change of that colleague's rate (DESIGN.md invariant 1).
    """
    names = dict(Membership.objects.filter(review=review).values_list("user_id", "user__username"))
    rows = kept(review, "reviewer_stats", lambda: _reviewer_rows(review))
    out = [
        {**row, "reviewer__username": names.get(row["reviewer_id"], str(row["reviewer_id"])),
         "include_rate": row["includes"] / row["settled"] if row["settled"] else None}
        for row in rows
    ]
    return sorted(out, key=lambda r: (r["stage"] != Stage.TITLE_ABSTRACT, r["reviewer__username"]))


def _reviewer_rows(review: Review) -> list[dict]:
    """Every vote, less the votes on records still waiting for more.

    Joining 100,000 votes to their stage rows to find the settled ones costs several times
    more than reading the votes from the decision_review_votes index alone and taking off
    those on waiting rows, which the (review, stage, status, decision_count) index finds:
    a waiting row holds votes only while some are still missing, and those are few.
    """
    rows: dict[tuple, dict] = {}
    every = ScreeningDecision.objects.filter(review=review)
    waiting = ScreeningDecision.objects.filter(
        record_stage__review=review, record_stage__stage__in=Stage.values,
        record_stage__status=StageStatus.AWAITING, record_stage__decision_count__gt=0,
    )
    for votes, sign in ((every, 1), (waiting, -1)):
        for row in votes.values("reviewer_id", "stage", "vote").annotate(n=Count("id")).order_by():
            out = rows.setdefault((row["reviewer_id"], row["stage"]), {
                "reviewer_id": row["reviewer_id"], "stage": row["stage"], "votes": 0, "settled": 0, "includes": 0,
            })
            if sign > 0:
                out["votes"] += row["n"]
            out["settled"] += sign * row["n"]
            if row["vote"] in INCLUDING_VOTES:
                out["includes"] += sign * row["n"]
    return list(rows.values())


def _tables():
    quote = connection.ops.quote_name
    return quote(ScreeningDecision._meta.db_table), quote(RecordStage._meta.db_table)


def pair_tables(review: Review, stage: str) -> dict[tuple[str, str], dict[tuple[str, str], int]]:
    """{(reviewer a, reviewer b): {(a's vote, b's vote): records}} with maybe counted as include.

    Settled records only, for the reason ``reviewer_stats`` gives: with three reviewers per
    record, two votes in on a waiting record would otherwise show as a cell of the table.

    One grouped self-join in the database: at 100,000 votes, fetching them into Python
    costs far more than the statistics. It walks the review's rows of one stage and reads
    the votes from the decision_stage_votes index alone. Kept per review state.
    """
    names = dict(Membership.objects.filter(review=review).values_list("user_id", "user__username"))
    tables: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
    for a, b, va, vb, n in kept(review, "pair_tables", lambda: _pair_rows(review, stage), stage):
        name_a, name_b = names.get(a, str(a)), names.get(b, str(b))
        if name_a > name_b:
            name_a, name_b, va, vb = name_b, name_a, vb, va
        cell = tables.setdefault((name_a, name_b), {})
        cell[(va, vb)] = cell.get((va, vb), 0) + n
    return tables


def _pair_rows(review: Review, stage: str) -> list[tuple]:
    decisions, stages = _tables()
    sql = f"""
        SELECT d1.reviewer_id, d2.reviewer_id,
               CASE WHEN d1.vote = 'exclude' THEN 'exclude' ELSE 'include' END,
               CASE WHEN d2.vote = 'exclude' THEN 'exclude' ELSE 'include' END,
               COUNT(*)
        FROM {stages} rs
        JOIN {decisions} d1 ON d1.record_stage_id = rs.id
        JOIN {decisions} d2 ON d2.record_stage_id = rs.id AND d2.reviewer_id > d1.reviewer_id
        WHERE rs.review_id = %s AND rs.stage = %s AND rs.status <> %s
        GROUP BY d1.reviewer_id, d2.reviewer_id,
                 CASE WHEN d1.vote = 'exclude' THEN 'exclude' ELSE 'include' END,
                 CASE WHEN d2.vote = 'exclude' THEN 'exclude' ELSE 'include' END
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [review.pk, stage, StageStatus.AWAITING])
        return [tuple(row) for row in cursor.fetchall()]


def include_count_table(review: Review, stage: str, raters: int) -> dict[int, int]:
    """{number of include votes: records} over settled records with exactly ``raters`` votes."""
    return kept(review, "include_counts", lambda: _include_count_table(review, stage, raters), stage, raters)


def _include_count_table(review: Review, stage: str, raters: int) -> dict[int, int]:
    decisions, stages = _tables()
    sql = f"""
        SELECT inc, COUNT(*) FROM (
            SELECT rs.id, SUM(CASE WHEN d.vote = 'exclude' THEN 0 ELSE 1 END) AS inc, COUNT(*) AS n
            FROM {stages} rs JOIN {decisions} d ON d.record_stage_id = rs.id
            WHERE rs.review_id = %s AND rs.stage = %s AND rs.status <> %s
            GROUP BY rs.id
        ) per_record WHERE n = %s GROUP BY inc
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [review.pk, stage, StageStatus.AWAITING, raters])
        return {int(inc): n for inc, n in cursor.fetchall()}


def is_reviewer(review: Review, user) -> bool:
    return Membership.active.filter(review=review, user=user, is_reviewer=True).exists()
