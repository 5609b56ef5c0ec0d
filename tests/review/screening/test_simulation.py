"""The pure screening simulation: the live queue's ranking and retraining, and the stop column."""

import numpy as np
import pytest

from review.screening.ranking import RETRAIN_EVERY, fit_scores, rank_order
from review.screening.simulation import LabelledSetError, choose_priors, simulate
from review.screening.stopping import buscar

TOPIC = "intravenous immunoglobulin dermatomyositis polymyositis muscle strength"
OTHER = ["heart failure admissions", "asthma in cities", "knee replacement cost", "school diet survey",
         "sleep and cognition", "vaccination campaign uptake"]


def _planted(n_relevant=15, n_other=120, seed=7):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n_relevant + n_other):
        noise = " ".join(rng.choice(OTHER, size=2))
        texts.append(f"{TOPIC} {noise}" if i < n_relevant else noise)
        labels.append(1 if i < n_relevant else 0)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], [labels[i] for i in order]


def _replay(texts, labels, seed, prior_includes=1, prior_excludes=1, every=RETRAIN_EVERY):
    """The live queue's rule written out with the public text API: retrain after every
    RETRAIN_EVERY newly settled records, follow rank_order in between."""
    priors = choose_priors(labels, prior_includes, prior_excludes, np.random.default_rng(seed))
    settled = {i: labels[i] for i in priors}
    screened = list(priors)
    while len(screened) < len(texts):
        scores = fit_scores(texts, settled)
        order = rank_order(scores, [i for i in range(len(texts)) if i not in settled])
        for index in order[:every]:
            settled[index] = labels[index]
            screened.append(index)
    return screened


def test_every_record_is_screened_once_in_steps_one_to_n():
    texts, labels = _planted()
    rows = list(simulate(texts, labels, seed=1))
    assert [row.step for row in rows] == list(range(1, len(texts) + 1))
    assert sorted(row.position for row in rows) == list(range(1, len(texts) + 1))
    assert all(row.label == labels[row.position - 1] for row in rows)


def test_screening_order_is_the_live_queues_retraining_rule():
    texts, labels = _planted(n_relevant=12, n_other=60)
    rows = list(simulate(texts, labels, seed=4))
    assert [row.position - 1 for row in rows] == _replay(texts, labels, seed=4)


def test_a_study_of_the_schedule_can_retrain_more_often():
    texts, labels = _planted(n_relevant=10, n_other=40)
    rows = list(simulate(texts, labels, seed=4, retrain_every=3))
    assert [row.position - 1 for row in rows] == _replay(texts, labels, seed=4, every=3)


def test_starts_from_the_seeded_priors_then_finds_the_planted_records():
    texts, labels = _planted()
    rows = list(simulate(texts, labels, seed=2, prior_includes=2, prior_excludes=3))
    priors = choose_priors(labels, 2, 3, np.random.default_rng(2))
    assert [row.position - 1 for row in rows[:5]] == priors
    assert [row.label for row in rows[:5]] == [1, 1, 0, 0, 0]
    assert [row.label for row in rows[5:18]] == [1] * 13


def test_same_seed_same_order_other_seed_other_priors():
    texts, labels = _planted()
    first = list(simulate(texts, labels, seed=3))
    assert first == list(simulate(texts, labels, seed=3))
    assert first[:2] != list(simulate(texts, labels, seed=5))[:2]


def test_stop_column_is_the_buscar_test_over_the_ranked_records():
    texts, labels = _planted(n_relevant=100, n_other=400)
    rows = list(simulate(texts, labels, seed=6))
    ranked = [row.label for row in rows[2:]]
    expected = [0, 0] + [int(buscar(ranked[:i], len(rows), prior=2).can_stop) for i in range(1, len(ranked) + 1)]
    first = expected.index(1)
    assert [row.stop for row in rows] == [0] * first + [1] * (len(rows) - first)
    # A planted topic is found at once, and with 100 includes (at least 6 missed under H0) the
    # rule lets the lead stop well before the end, every include found.
    assert first < 0.8 * len(rows)
    assert sum(row.label for row in rows[: first + 1]) == sum(labels)


def test_recall_target_moves_the_stop():
    texts, labels = _planted(n_relevant=100, n_other=400)
    loose = [row.stop for row in simulate(texts, labels, seed=6, recall_target=0.8)].index(1)
    strict = [row.stop for row in simulate(texts, labels, seed=6, recall_target=1.0)].index(1)
    assert loose < strict


def test_without_priors_the_queue_is_random_until_both_classes_have_settled():
    texts, labels = _planted()
    rows = list(simulate(texts, labels, seed=9, prior_includes=0, prior_excludes=0))
    first_labels = [row.label for row in rows]
    random_phase = max(first_labels.index(0), first_labels.index(1)) + 1
    rng = np.random.default_rng(9)
    unscreened = np.ones(len(texts), dtype=bool)
    for row in rows[:random_phase]:
        index = int(rng.choice(np.flatnonzero(unscreened)))
        assert index == row.position - 1
        unscreened[index] = False
    assert sorted(row.position for row in rows) == list(range(1, len(texts) + 1))


def test_too_many_priors_is_refused():
    texts, labels = _planted(n_relevant=2, n_other=10)
    with pytest.raises(LabelledSetError, match="3 prior includes asked for, but the set has only 2 includes"):
        list(simulate(texts, labels, prior_includes=3))


def test_texts_and_labels_must_match():
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        list(simulate(["a", "b", "c"], [1, 0]))
