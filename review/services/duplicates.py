"""De-duplication in the database: automatic merges, the "maybe" queue, manual merge and undo.

The matching itself is the pure `review.dedup` package; this module decides what to write.
A merged record keeps its row, identifiers and source: it only points at the record it was
merged into (`duplicate_of`), so PRISMA's per-source and "duplicates removed" counts are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from review.dedup import DUPLICATE, MAYBE, RELATED, find_duplicates
from review.models import DuplicatePair, Record
from review.models.duplicates import PairDecision, PairStatus
from review.services.audit import audit_many, audit_record

NOT_PENDING = "This pair was already decided ({status}); reload the queue."
SAME_RECORD = "A record cannot be merged into itself."
OTHER_REVIEW = "Both records must belong to the same review."
NOT_MERGED = "This record is not merged into another."
ALREADY_MERGED = "Record {pk} is already merged into record {into}; unmerge it first."
NOT_IN_PAIR = "Record {pk} is not one of this pair's two records."
NOT_A_MERGE = "This pair is not a merge in force ({status}); reload the list."
SWAP_AFTER_SCREENING = (
    "Screening has started on record {pk}: its decisions belong to the copy screening sees, and "
    "swapping the kept copy would hide them or bring in another copy's. Undo the merge instead "
    "and settle the two records' screening first."
)
REVERSE_PAIR = "Records {a} and {b} already have a pair the other way round (#{pk}); decide that one."
# The start of the flag a merge leaves in `DuplicatePair.reasons`; review.duplicate_selectors finds it.
SCREENING_DISAGREES = "screening disagrees at "

MATCH_FIELDS = (
    "id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
    "abstract", "publication_type", "issn",
)


@dataclass
class DedupSummary:
    compared: int = 0
    merged: int = 0
    queued: int = 0
    related: int = 0
    pairs: list = field(default_factory=list)  # (record_id, other_id, decision, score, action)


def _root(record_id: int, parent: dict[int, int | None]) -> int:
    seen = set()
    while parent.get(record_id) and record_id not in seen:
        seen.add(record_id)
        record_id = parent[record_id]
    return record_id


def _existing_pair_keys(review) -> set[frozenset]:
    return {
        frozenset(pair)
        for pair in DuplicatePair.objects.filter(review=review).values_list("record_id", "kept_id")
    }


def dedup_run(
    *,
    review,
    actor=None,
    new_records=None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DedupSummary:
    """Find duplicates among `new_records` (default: every active record) and against the rest.

    Pairs already on record (merged, rejected, queued) are never proposed again, so a person's
    "not duplicates" stands through later runs.
    """
    active = Record.objects.filter(review=review, duplicate_of__isnull=True)
    if new_records is None:
        records, against = list(active.values(*MATCH_FIELDS)), []
    else:
        new_ids = set(new_records.filter(duplicate_of__isnull=True).values_list("id", flat=True))
        rows = list(active.values(*MATCH_FIELDS))
        records = [r for r in rows if r["id"] in new_ids]
        against = [r for r in rows if r["id"] not in new_ids]
    if progress:
        progress(f"comparing {len(records)} records against {len(against)}")
    result = find_duplicates(records, against=against)
    summary = DedupSummary(compared=len(records))
    found = {frozenset((p.id_a, p.id_b)): p for p in result.pairs}
    with transaction.atomic():
        known = _existing_pair_keys(review)
        rep_of = {i: c.representative for c in result.clusters for i in c.ids}
        merges = []
        for cluster in result.clusters:
            for record_id in cluster.ids[1:]:
                key = frozenset((record_id, cluster.representative))
                if key in known:
                    continue
                # A cluster member may have joined through another member: no direct pair then.
                pair = found.get(key)
                score, reasons = (pair.score, list(pair.reasons)) if pair else (1.0, ["same cluster"])
                summary.merged += 1
                summary.pairs.append((record_id, cluster.representative, "auto", score, "merged"))
                merges.append((record_id, cluster.representative, score, reasons))
        if not dry_run:
            _merge_automatically(review=review, merges=merges, actor=actor)
        queued = [
            (rep_of.get(p.id_a, p.id_a), rep_of.get(p.id_b, p.id_b), p, PairDecision.MAYBE, PairStatus.PENDING)
            for p in result.review_queue
        ]
        related = [(p.id_a, p.id_b, p, PairDecision.RELATED, PairStatus.LINKED)
                   for p in result.pairs if p.decision == RELATED]
        for a, b, pair, decision, status in queued + related:
            if a == b or frozenset((pair.id_a, pair.id_b)) in known or frozenset((a, b)) in known:
                continue
            record_id, kept_id = max(a, b), min(a, b)
            if decision == PairDecision.MAYBE:
                summary.queued += 1
            else:
                summary.related += 1
            summary.pairs.append((record_id, kept_id, decision, pair.score, status))
            if not dry_run:
                DuplicatePair.objects.create(
                    review=review, record_id=record_id, kept_id=kept_id, score=min(1.0, pair.score),
                    decision=decision, status=status, reasons=list(pair.reasons),
                )
            known.add(frozenset((record_id, kept_id)))
        if not dry_run and (summary.merged or summary.queued or summary.related):
            audit_record(
                action="dedup.run", actor=actor, review=review,
                new={"compared": summary.compared, "merged": summary.merged, "queued": summary.queued,
                     "related": summary.related},
            )
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _screening_outcomes(record_ids) -> dict[int, dict[str, str]]:
    from review.models.screening import RecordStage

    outcomes: dict[int, dict[str, str]] = {}
    rows = RecordStage.objects.filter(record_id__in=list(record_ids)).exclude(status="awaiting")
    for record_id, stage, status in rows.values_list("record_id", "stage", "status"):
        outcomes.setdefault(record_id, {})[stage] = status
    return outcomes


def _screening_disagreements(record_id: int, root_id: int, outcomes: dict[int, dict[str, str]]) -> list[str]:
    """Where a merged record was already screened differently from the one it joins, say so:
    every decision stays on its own record, and a person decides what the paper keeps."""
    flags = []
    mine, theirs = outcomes.get(record_id, {}), outcomes.get(root_id, {})
    for stage in sorted(set(mine) & set(theirs)):
        if mine[stage] != theirs[stage]:
            flags.append(f"{SCREENING_DISAGREES}{stage}: record {record_id} {mine[stage]}, "
                         f"record {root_id} {theirs[stage]}")
    return flags


def _merge_automatically(*, review, merges: list[tuple], actor) -> None:
    """Apply a run's certain merges in bulk: an import of 100,000 records may bring 30,000."""
    if not merges:
        return
    by_root: dict[int, list[int]] = {}
    for record_id, root_id, _, _ in merges:
        by_root.setdefault(root_id, []).append(record_id)
    for root_id, members in by_root.items():
        # Whatever was merged into a member before now points at the root: no chains.
        Record.objects.filter(Q(pk__in=members) | Q(duplicate_of__in=members)).update(duplicate_of=root_id)
    outcomes = _screening_outcomes([*by_root, *(m for members in by_root.values() for m in members)])
    flags = {
        record_id: _screening_disagreements(record_id, root_id, outcomes)
        for root_id, members in by_root.items() for record_id in members
    }
    now = timezone.now()
    DuplicatePair.objects.bulk_create([
        DuplicatePair(review=review, record_id=record_id, kept_id=root_id, score=min(1.0, max(0.0, score)),
                      decision=PairDecision.DUPLICATE, status=PairStatus.MERGED, automatic=True,
                      reasons=[*reasons, *flags[record_id]], decided_at=now)
        for record_id, root_id, score, reasons in merges
    ], batch_size=1000)
    audit_many([
        dict(action="duplicate.merged", actor=actor, review=review, obj=Record(pk=record_id),
             old={"duplicate_of": None},
             new={"duplicate_of": root_id, "automatic": True, "score": round(score, 4),
                  "screening_disagreements": flags[record_id]})
        for record_id, root_id, score, _ in merges
    ])


def _merge(*, review, record_id: int, into_id: int, score: float, reasons, actor, automatic: bool,
           pair: DuplicatePair | None = None) -> DuplicatePair:
    """Point `record_id` (and whatever was merged into it) at the root of `into_id`."""
    if record_id == into_id:
        raise ValidationError(SAME_RECORD)
    locked = {
        r.pk: r for r in Record.objects.select_for_update().filter(pk__in=[record_id, into_id])
    }
    record, into = locked[record_id], locked[into_id]
    if record.review_id != into.review_id or record.review_id != review.pk:
        raise ValidationError(OTHER_REVIEW)
    if record.duplicate_of_id:
        raise ValidationError(ALREADY_MERGED.format(pk=record.pk, into=record.duplicate_of_id))
    # Merging into a record that is itself merged goes to its root, so there are no chains.
    root_id = into.duplicate_of_id or into.pk
    if root_id == record.pk:
        raise ValidationError(SAME_RECORD)
    flags = _screening_disagreements(record.pk, root_id, _screening_outcomes([record.pk, root_id]))
    reasons = [*reasons, *flags]
    Record.objects.filter(pk=record.pk).update(duplicate_of=root_id)
    Record.objects.filter(duplicate_of=record.pk).update(duplicate_of=root_id)
    now = timezone.now()
    if pair is None:
        pair, _ = DuplicatePair.objects.update_or_create(
            record_id=record.pk, kept_id=into.pk,
            defaults=dict(review=review, score=min(1.0, max(0.0, score)), decision=PairDecision.DUPLICATE,
                          status=PairStatus.MERGED, automatic=automatic, reasons=list(reasons),
                          decided_by=None if automatic else actor, decided_at=now),
        )
    else:
        pair.status, pair.decided_by, pair.decided_at = PairStatus.MERGED, actor, now
        pair.reasons = list(reasons)
        pair.save(update_fields=["status", "decided_by", "decided_at", "reasons"])
    audit_record(
        action="duplicate.merged", actor=actor, review=review, obj=record,
        old={"duplicate_of": None},
        new={"duplicate_of": root_id, "automatic": automatic, "score": round(score, 4), "pair": pair.pk,
             "screening_disagreements": flags},
    )
    return pair


@transaction.atomic
def duplicate_confirm(*, pair: DuplicatePair, actor, keep: int | None = None) -> DuplicatePair:
    """A person merges a queued pair, keeping the copy `keep` names (by default the pair's `kept`)."""
    locked = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if locked.status != PairStatus.PENDING:
        raise ValidationError(NOT_PENDING.format(status=locked.get_status_display()))
    if keep is not None and keep not in (locked.record_id, locked.kept_id):
        raise ValidationError(NOT_IN_PAIR.format(pk=keep))
    if keep == locked.record_id:
        # Both copies are still in screening while the pair waits, so keeping either one is the
        # same merge as today's, the other way round: each copy's decisions stay on it.
        _swap(locked)
    return _merge(review=locked.review, record_id=locked.record_id, into_id=locked.kept_id,
                  score=locked.score, reasons=locked.reasons, actor=actor, automatic=False, pair=locked)


@transaction.atomic
def duplicate_reject(*, pair: DuplicatePair, actor, reason: str = "") -> DuplicatePair:
    locked = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if locked.status != PairStatus.PENDING:
        raise ValidationError(NOT_PENDING.format(status=locked.get_status_display()))
    locked.status, locked.decided_by, locked.decided_at = PairStatus.REJECTED, actor, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(action="duplicate.rejected", actor=actor, review=locked.review, obj=locked,
                 old={"status": "pending"}, new={"status": "rejected", "record": locked.record_id,
                                                 "kept": locked.kept_id}, reason=reason)
    return locked


@transaction.atomic
def record_merge(*, record: Record, into: Record, actor, reason: str = "") -> DuplicatePair:
    """A person merges two records that the rules did not pair (or pair differently)."""
    pair = _merge(review=record.review, record_id=record.pk, into_id=into.pk, score=1.0,
                  reasons=["manual"] + ([reason] if reason else []), actor=actor, automatic=False)
    return pair


def _swap(pair: DuplicatePair) -> None:
    reverse = DuplicatePair.objects.filter(record_id=pair.kept_id, kept_id=pair.record_id).first()
    if reverse is not None:
        raise ValidationError(REVERSE_PAIR.format(a=pair.record_id, b=pair.kept_id, pk=reverse.pk))
    pair.record_id, pair.kept_id = pair.kept_id, pair.record_id
    pair.save(update_fields=["record", "kept"])


def _screening_started(record_ids) -> int | None:
    """The first of `record_ids` that any screening decision or outcome touches, or None."""
    from review.models.screening import RecordStage, StageStatus

    started = (
        RecordStage.objects.filter(record_id__in=list(record_ids))
        .filter(Q(decision_count__gt=0) | ~Q(status=StageStatus.AWAITING))
        .order_by("record_id").values_list("record_id", flat=True)
    )
    return started.first()


@transaction.atomic
def duplicate_keep_other(*, pair: DuplicatePair, actor, reason: str = "") -> DuplicatePair:
    """Swap which copy of a merge is kept: the merged record becomes the one screening sees.

    Merges leave every screening decision on its own record and screening reads only the kept
    one, so a swap after screening started would silently drop the kept copy's decisions from
    view (or surface the other copy's). It is refused then; undo the merge instead.
    """
    locked = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if locked.status != PairStatus.MERGED:
        raise ValidationError(NOT_A_MERGE.format(status=locked.get_status_display()))
    records = {r.pk: r for r in Record.objects.select_for_update().filter(pk__in=[locked.record_id, locked.kept_id])}
    record, kept = records[locked.record_id], records[locked.kept_id]
    # Only a merge still in force straight into a copy that is itself in screening swaps cleanly.
    if record.duplicate_of_id != kept.pk or kept.duplicate_of_id:
        raise ValidationError(NOT_A_MERGE.format(status=f"record {record.pk} no longer merged into {kept.pk}"))
    started = _screening_started([record.pk, kept.pk])
    if started is not None:
        raise ValidationError(SWAP_AFTER_SCREENING.format(pk=started))
    _swap(locked)
    others = list(Record.objects.filter(duplicate_of=kept.pk).exclude(pk=record.pk).values_list("pk", flat=True))
    # Clear first: the kept copy may not point at a record that still points at it.
    Record.objects.filter(pk=record.pk).update(duplicate_of=None)
    Record.objects.filter(pk=kept.pk).update(duplicate_of=record.pk)
    Record.objects.filter(pk__in=others).update(duplicate_of=record.pk)
    audit_record(
        action="duplicate.kept_swapped", actor=actor, review=locked.review, obj=locked,
        old={"kept": kept.pk, "merged": record.pk},
        new={"kept": record.pk, "merged": kept.pk, "also_moved": others}, reason=reason,
    )
    return locked


@transaction.atomic
def record_unmerge(*, record: Record, actor, reason: str = "") -> Record:
    """Undo a merge: the record is back in screening; the pair stays on record as undone."""
    locked = Record.objects.select_for_update().get(pk=record.pk)
    if not locked.duplicate_of_id:
        raise ValidationError(NOT_MERGED)
    old_root = locked.duplicate_of_id
    Record.objects.filter(pk=locked.pk).update(duplicate_of=None)
    DuplicatePair.objects.filter(
        Q(record=locked) | Q(kept=locked), status=PairStatus.MERGED
    ).update(status=PairStatus.UNMERGED, decided_by=actor, decided_at=timezone.now())
    audit_record(action="duplicate.unmerged", actor=actor, review=locked.review, obj=locked,
                 old={"duplicate_of": old_root}, new={"duplicate_of": None}, reason=reason)
    locked.duplicate_of_id = None
    return locked


__all__ = [
    "DUPLICATE", "MAYBE", "DedupSummary", "dedup_run", "duplicate_confirm", "duplicate_keep_other",
    "duplicate_reject",
    "record_merge", "record_unmerge",
]
