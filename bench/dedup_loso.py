"""Leave-one-set-out choice of the de-duplicator's thresholds.

Concord's thresholds are fixed constants (``review.dedup.scoring.Thresholds``), but they
were set by people who had seen every labelled set here, so scoring them on those sets
flatters them. Here each threshold setting of a grid is run on every set, as exported and
without abstracts and DOIs; then, for each set in turn, a setting is chosen on the *other*
sets alone and scored on the one left out. The gap between those figures and the fixed
thresholds' is what the fixed thresholds owe to having seen the set.

The choice, on the other sets (both variants of each): only settings with no false
automatic merge on any of them; of those, the ones whose queue stays within
``MAX_QUEUE_SHARE`` of the records on every one, or within the shortest queue any setting
gives on a set where none meets that target (if no setting passes, that condition is dropped);
then the highest mean automatic sensitivity, then the highest mean sensitivity with a
perfect person answering the queue, then the strictest values (a tie is broken towards
fewer merges and a shorter queue).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from review.dedup import Thresholds

from . import dedup_sets

# The target for the queue: at most 2% of the records.
MAX_QUEUE_SHARE = 0.02
TITLES_AGREE_GRID = (0.85, 0.88, 0.90, 0.92, 0.94, 0.95, 0.96, 0.98, 1.00)
QUEUE_TITLE_GRID = (0.75, 0.80, 0.85, 0.90, 0.95)
# Crossed with Concord's own titles_agree and queue_title only: the abstract rule is reached
# after the title rules, so a full cross would only multiply the run time.
ABSTRACT_SAME_GRID = (0.90, 0.95, 0.98, 1.00)
# The author agreement that the printed-place, online-first and year-apart rules ask for; crossed
# with the default titles only, like abstract_same.
STRONG_AUTHORS_GRID = (0.70, 0.80, 0.90, 1.00)
AS_EXPORTED = "as exported"
HARD = "hard"


@dataclass(frozen=True)
class Figures:
    """One run of one set (one variant) under one threshold setting."""

    records: int
    auto: dedup_sets.Scores
    with_queue: dedup_sets.Scores
    queue_records: int

    @property
    def queue_share(self) -> float:
        return self.queue_records / self.records if self.records else 0.0


# (set name, variant) -> Figures, for one threshold setting.
Runs = Mapping[tuple[str, str], Figures]


def grid(
    titles_agree: Iterable[float] = TITLES_AGREE_GRID,
    queue_title: Iterable[float] = QUEUE_TITLE_GRID,
    abstract_same: Iterable[float] = ABSTRACT_SAME_GRID,
    strong_authors: Iterable[float] = STRONG_AUTHORS_GRID,
) -> list[Thresholds]:
    """Every titles_agree x queue_title combination, each abstract_same and each strong_authors
    with the default titles, always including Concord's own setting."""
    settings = [Thresholds(titles_agree=t, queue_title=q) for t in titles_agree for q in queue_title]
    settings += [Thresholds(abstract_same=a) for a in abstract_same if Thresholds(abstract_same=a) not in settings]
    settings += [Thresholds(strong_authors=x) for x in strong_authors if Thresholds(strong_authors=x) not in settings]
    if Thresholds() not in settings:
        settings.append(Thresholds())
    return settings


def figures(result, labelled: dedup_sets.LabelledSet) -> Figures:
    if labelled.clusters is not None:
        auto = dedup_sets.pairwise_scores(result, labelled)
        with_queue = dedup_sets.pairwise_scores(result, labelled, with_queue=True)
    else:
        auto = dedup_sets.flagged_scores(result, labelled)
        with_queue = dedup_sets.flagged_scores(result, labelled, with_queue=True)
    return Figures(len(labelled.records), auto, with_queue, dedup_sets.queue_records(result))


def run_grid(
    sets: Sequence[tuple[str, dedup_sets.LabelledSet]],
    settings: Sequence[Thresholds],
    runner: Callable,
) -> dict[Thresholds, dict[tuple[str, str], Figures]]:
    """``sets`` holds (variant, labelled set) pairs; ``runner(records, thresholds)`` de-duplicates."""
    return {
        t: {(labelled.name, variant): figures(runner(labelled.records, t), labelled) for variant, labelled in sets}
        for t in settings
    }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def choose(results: Mapping[Thresholds, Runs], held_out: str) -> Thresholds:
    """The setting chosen without looking at ``held_out`` (see the module docstring)."""
    def others(runs: Runs) -> list[Figures]:
        return [f for (name, _variant), f in runs.items() if name != held_out]

    candidates = list(results)
    safe = [t for t in candidates if all(f.auto.fp == 0 for f in others(results[t]))]
    if not safe:
        # Every setting merges two papers somewhere: take the fewest false merges.
        fewest = min(sum(f.auto.fp for f in others(results[t])) for t in candidates)
        safe = [t for t in candidates if sum(f.auto.fp for f in others(results[t])) == fewest]
    # A set where no setting keeps the queue within the target (12 records: one question is
    # 17%) cannot tell settings apart by it; it holds them to its own best share instead.
    best_share: dict[tuple[str, str], float] = {}
    for t in candidates:
        for key, f in results[t].items():
            best_share[key] = min(best_share.get(key, 1.0), f.queue_share)

    def short(t: Thresholds) -> bool:
        return all(
            f.queue_share <= max(MAX_QUEUE_SHARE, best_share[key])
            for key, f in results[t].items()
            if key[0] != held_out
        )

    pool = [t for t in safe if short(t)] or safe

    def rank(t: Thresholds):
        runs = others(results[t])
        return (
            _mean([f.auto.sensitivity for f in runs]),
            _mean([f.with_queue.sensitivity for f in runs]),
            t.titles_agree,
            t.queue_title,
            t.abstract_same,
            t.strong_authors,
        )

    return max(pool, key=rank)


@dataclass(frozen=True)
class Fold:
    held_out: str
    chosen: Thresholds
    chosen_runs: dict[str, Figures]  # variant -> the held-out set under the chosen setting
    fixed_runs: dict[str, Figures]  # variant -> the held-out set under Concord's setting


def leave_one_set_out(results: Mapping[Thresholds, Runs], fixed: Thresholds | None = None) -> list[Fold]:
    fixed = fixed or Thresholds()
    names = list(dict.fromkeys(name for runs in results.values() for name, _variant in runs))
    folds = []
    for name in names:
        chosen = choose(results, name)
        folds.append(
            Fold(
                name,
                chosen,
                {v: f for (n, v), f in results[chosen].items() if n == name},
                {v: f for (n, v), f in results[fixed].items() if n == name},
            )
        )
    return folds


def variants(labelled: dedup_sets.LabelledSet, strip: Callable) -> list[tuple[str, dedup_sets.LabelledSet]]:
    return [(AS_EXPORTED, labelled), (HARD, strip(labelled))]


def describe(t: Thresholds) -> str:
    changed = [
        f"{field.name}={getattr(t, field.name):.2f}"
        for field in dataclasses.fields(t)
        if field.name in ("titles_agree", "queue_title", "abstract_same", "strong_authors")
    ]
    return ", ".join(changed)
