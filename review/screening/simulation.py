"""Simulated prioritised screening on a labelled set, through the live queue's ranking and stopping code.

Two reviewers who both vote the known label: every record settles the moment it is screened, so the
model sees exactly what the live queue's model would see. Screening starts from a few random prior
records (chosen by a seeded :class:`numpy.random.Generator`), is in random order until at least one
include and one exclude have settled (as the live queue is), and from then on follows
:func:`~review.screening.ranking.rank_order` of :func:`~review.screening.ranking.fit_scores`,
retrained after every :data:`~review.screening.ranking.RETRAIN_EVERY` newly settled records. Every
record is screened; ``stop`` marks the steps from the first one at which
:func:`~review.screening.stopping.buscar` would let the lead stop.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .ranking import (
    RETRAIN_EVERY,
    RankerSettings,
    fit_scores_matrix,
    rank_order,
    record_text,
    vectorise,
)
from .stopping import buscar_p_value

OUTPUT_COLUMNS = ("step", "position", "label", "stop")

MISSING_COLUMN = "{path}: no {column!r} column (the columns are: {columns})."
BAD_LABEL = "{path}, row {row}: the label column {column!r} holds {value!r}; it must be 0 or 1."
NO_ROWS = "{path}: no records."
TOO_FEW_PRIORS = "{wanted} prior {kind} asked for, but the set has only {have} {kind}."


class LabelledSetError(ValueError):
    """A labelled CSV that cannot be simulated; the message names the file, row and column."""


@dataclass(frozen=True)
class LabelledSet:
    """Texts (as :func:`record_text` builds them) and 0/1 labels, in the file's row order."""

    texts: tuple[str, ...]
    labels: tuple[int, ...]


class SimulationRow(NamedTuple):
    step: int
    position: int
    label: int
    stop: int


def read_labelled_csv(path: str | Path, label_column: str) -> LabelledSet:
    """Read a CSV with ``title``, ``abstract`` (``keywords`` optional) and a 0/1 label column.

    A byte-order mark, CRLF line ends and line breaks inside quoted fields are accepted; an empty
    abstract (or title) is an empty string. Row numbers in errors count the header as row 1, as a
    spreadsheet shows them.
    """
    raw = Path(path).read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(raw, newline=""))
    columns = reader.fieldnames or []
    for column in ("title", "abstract", label_column):
        if column not in columns:
            raise LabelledSetError(
                MISSING_COLUMN.format(path=path, column=column, columns=", ".join(columns) or "none")
            )
    has_keywords = "keywords" in columns
    texts, labels = [], []
    for row_number, row in enumerate(reader, start=2):
        value = (row.get(label_column) or "").strip()
        if value not in ("0", "1"):
            raise LabelledSetError(BAD_LABEL.format(path=path, row=row_number, column=label_column, value=value))
        labels.append(int(value))
        texts.append(
            record_text(row.get("title") or "", row.get("abstract") or "", row.get("keywords") or "" if has_keywords else "")
        )
    if not texts:
        raise LabelledSetError(NO_ROWS.format(path=path))
    return LabelledSet(texts=tuple(texts), labels=tuple(labels))


def choose_priors(
    labels: Sequence[int], prior_includes: int, prior_excludes: int, rng: np.random.Generator
) -> list[int]:
    """The prior records' indices: includes first, then excludes, each drawn without replacement.

    The benchmark hands the indices drawn by ``numpy.random.default_rng(seed)`` to ASReview, so both
    tools start from the same records.
    """
    labels_array = np.asarray(labels)
    chosen: list[int] = []
    for wanted, value, kind in ((prior_includes, 1, "includes"), (prior_excludes, 0, "excludes")):
        pool = np.flatnonzero(labels_array == value)
        if wanted > len(pool):
            raise LabelledSetError(TOO_FEW_PRIORS.format(wanted=wanted, kind=kind, have=len(pool)))
        chosen.extend(int(i) for i in rng.choice(pool, size=wanted, replace=False))
    return chosen


def simulate(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    seed: int = 0,
    prior_includes: int = 1,
    prior_excludes: int = 1,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    settings: RankerSettings | None = None,
    retrain_every: int = RETRAIN_EVERY,
) -> Iterator[SimulationRow]:
    """Screen every record as the live queue would, yielding one row per record in screening order.

    ``position`` is the record's 1-based row in the input. ``stop`` is 1 from the first step at
    which :func:`~review.screening.stopping.buscar` allows a stop at ``recall_target`` with
    ``confidence``, over the records screened since ranking began (the priors, and any records
    screened at random before both classes had settled, are its ``prior``). ``retrain_every`` is
    the live queue's :data:`~review.screening.ranking.RETRAIN_EVERY` unless a study of the schedule
    asks otherwise.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels.")
    settings = settings or RankerSettings()
    rng = np.random.default_rng(seed)
    total = len(texts)
    queue = choose_priors(labels, prior_includes, prior_excludes, rng)
    features = vectorise(texts, settings)
    settled: dict[int, int] = {}
    unscreened = np.ones(total, dtype=bool)
    ranked_labels = np.zeros(total, dtype=np.int64)
    ranked = 0
    prior: int | None = None
    stopped = False
    for step in range(1, total + 1):
        if not queue:
            candidates = np.flatnonzero(unscreened)
            if 0 in settled.values() and 1 in settled.values():
                # The live queue follows one model's order until retrain_every more records have
                # settled, then retrains on everything settled so far.
                scores = fit_scores_matrix(features, settled, settings)
                queue = rank_order(scores, candidates)[:retrain_every]
                if prior is None:
                    prior = len(settled)
            else:
                # Before both classes have settled the live queue is random, and so is this.
                queue = [int(rng.choice(candidates))]
        index = queue.pop(0)
        unscreened[index] = False
        settled[index] = int(labels[index])
        if prior is not None:
            ranked_labels[ranked] = settled[index]
            ranked += 1
            if not stopped:
                p_value = buscar_p_value(ranked_labels[:ranked], total, recall_target=recall_target, prior=prior)
                stopped = p_value < 1 - confidence
        yield SimulationRow(step=step, position=index + 1, label=settled[index], stop=int(stopped))
