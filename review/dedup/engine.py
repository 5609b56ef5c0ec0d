"""``find_duplicates``: blocking, pair scoring, must-stay-apart rules, clustering."""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from .blocking import candidate_pairs
from .clusters import build_clusters
from .prepared import Prepared, prepare
from .scoring import (
    DEFAULT_THRESHOLDS,
    DISTINCT,
    DUPLICATE,
    MAYBE,
    RELATED,
    Thresholds,
    Verdict,
    compare,
)

ERROR_DUPLICATE_IDS = "record ids must be unique across records and against"
ERROR_UNKNOWN_EXISTING = "against names ids that are not among the records"


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    id_a: Hashable
    id_b: Hashable
    score: float
    decision: str  # "duplicate" | "maybe" | "related"; distinct pairs are not listed
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cluster:
    """Records to merge automatically; ``representative`` is the one to keep."""

    representative: Hashable
    ids: tuple[Hashable, ...]  # representative first


@dataclass(frozen=True, slots=True)
class DedupResult:
    pairs: tuple[DuplicatePair, ...]
    clusters: tuple[Cluster, ...]

    @property
    def review_queue(self) -> tuple[DuplicatePair, ...]:
        """"maybe" pairs a human must confirm: those not already merged together."""
        owner = {i: c.representative for c in self.clusters for i in c.ids}
        # One question per pair of clusters: if A and B are being merged with three
        # records each, the reviewer answers "is A the same as B" once, not nine times.
        best: dict[tuple, DuplicatePair] = {}
        for p in self.pairs:
            a, b = owner.get(p.id_a, p.id_a), owner.get(p.id_b, p.id_b)
            if p.decision != MAYBE or a == b:
                continue
            key = (a, b) if str(a) <= str(b) else (b, a)
            if key not in best or p.score > best[key].score:
                best[key] = p
        return tuple(best.values())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, restoring its state afterwards.

    A run allocates hundreds of thousands of small objects (prepared records, their
    frozensets, verdicts) that form no reference cycles; each time allocations pass the
    collector's threshold it scans the whole grown heap and frees nothing, which is a
    quarter of a 100,000-record run. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def find_duplicates(
    records: Sequence, *, against: Iterable | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> DedupResult:
    """Find duplicate records.

    Parameters
    ----------
    records
        Mappings or objects with ``id``, ``title``, ``authors`` (list of str),
        ``year``, ``journal``, ``volume``, ``issue``, ``pages``, ``doi``, ``pmid``,
        ``abstract``, ``publication_type`` and ``issn``. Missing keys count as empty.
    against
        What is already in the review: either the existing records themselves
        (mappings or objects, compared in addition to ``records``) or the ids of
        those members of ``records`` that already exist. New records are compared
        with each other and with the existing ones; pairs of two existing records
        are neither reported nor merged, and an existing record is always the
        representative of its cluster. Ids must be unique across both.
    thresholds
        The rules' similarity thresholds; the defaults are Concord's. Only the
        benchmark changes them, to choose them on other sets than it scores.

    Returns
    -------
    DedupResult
        ``pairs`` with decision duplicate / maybe / related, and ``clusters`` built
        only from duplicate pairs (see ``clusters.build_clusters``).
    """
    with _collector_paused():
        return _find_duplicates(records, against, thresholds)


def _find_duplicates(records: Sequence, against: Iterable | None, thresholds: Thresholds) -> DedupResult:
    existing_ids, existing_records = set(), []
    for item in against or ():
        if isinstance(item, Mapping) or hasattr(item, "id"):
            existing_records.append(item)
        else:
            existing_ids.add(item)
    prepared: list[Prepared] = [prepare(r, k) for k, r in enumerate(records)]
    for rec in existing_records:
        prepared.append(prepare(rec, len(prepared), existing=True))
    ids = [p.id for p in prepared]
    if len(set(ids)) != len(ids):
        raise ValueError(ERROR_DUPLICATE_IDS)
    if existing_ids - set(ids):
        raise ValueError(ERROR_UNKNOWN_EXISTING)
    for rec in prepared:
        if rec.id in existing_ids:
            rec.existing = True

    verdicts: dict[tuple[int, int], Verdict] = {}
    for i, j in candidate_pairs(prepared):
        verdict = compare(prepared[i], prepared[j], thresholds)
        if verdict.decision != DISTINCT:
            verdicts[(i, j)] = verdict

    # Cross pairs the blocking never proposed are scored on demand for the
    # linkage check only; they are not reported as pairs.
    extra: dict[tuple[int, int], Verdict] = {}

    def plausible(x: int, y: int) -> bool:
        if prepared[x].existing and prepared[y].existing:
            return False  # two records already in the review are never merged here
        key = (x, y) if x < y else (y, x)
        verdict = verdicts.get(key) or extra.get(key)
        if verdict is None:
            verdict = extra[key] = compare(prepared[key[0]], prepared[key[1]], thresholds)
        return verdict.decision in (DUPLICATE, MAYBE)

    edges = [(i, j, v.score) for (i, j), v in verdicts.items() if v.decision == DUPLICATE]
    groups, refused = build_clusters(edges, plausible)
    for key in refused:
        old = verdicts[key]
        verdicts[key] = Verdict(MAYBE, old.score, (*old.reasons, "cluster-conflict"))

    pairs = tuple(
        DuplicatePair(prepared[i].id, prepared[j].id, v.score, v.decision, v.reasons)
        for (i, j), v in sorted(verdicts.items())
        if v.decision in (DUPLICATE, MAYBE, RELATED)
    )
    clusters = []
    for group in groups:
        best = max(group, key=lambda k: (prepared[k].existing, prepared[k].completeness, -k))
        rest = [prepared[k].id for k in group if k != best]
        clusters.append(Cluster(prepared[best].id, (prepared[best].id, *rest)))
    return DedupResult(pairs, tuple(clusters))
