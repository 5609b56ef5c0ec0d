"""The buscar stopping statistic against hand-worked cases and scipy's hypergeometric distribution."""

import json
import math

import numpy as np
import pytest
from scipy.stats import hypergeom

from review.screening import stopping
from review.screening.stopping import StoppingResult, buscar, buscar_p_value


def _reference_p(labels, total, recall_target):
    """The authors' calculate_h0, written out over every urn k = 1..n (no urn skipped).

    An urn that needs more includes than it has records cannot hold under H0; scipy gives NaN
    there, which the authors' code passes on as "no value" and this module counts as 0.
    """
    labels = np.asarray(labels)
    n = labels.size
    r = labels.sum()
    urn_includes = np.cumsum(labels[::-1])
    k = np.arange(1, n + 1)
    k_hat = np.floor(r / recall_target + 1 - (r - urn_includes))
    population = total - (n - k)
    p = hypergeom.cdf(urn_includes, population, k_hat, k)
    p = np.where(k_hat > population, 0.0, p)
    return float(p.min())


def test_hand_worked_case_two_includes_then_three_excludes():
    # N = 10 records, the first 5 screened: 1 1 0 0 0; target 95%.
    # r = 2 found. Recall below 95% means R >= floor(2 / 0.95) + 1 = 3, so at least m = 1 missed.
    # Urns of the last k records, each drawn from its k records plus the 5 unseen (N_k = 5 + k),
    # holding K_k = r_k + 1 includes under H0:
    #   k=1 (0):           P(X <= 0) = C(5,1)/C(6,1)                  = 5/6
    #   k=2 (0 0):         P(X <= 0) = C(6,2)/C(7,2)   = 15/21        = 5/7
    #   k=3 (0 0 0):       P(X <= 0) = C(7,3)/C(8,3)   = 35/56        = 5/8
    #   k=4 (1 0 0 0):     P(X <= 1) = 1 - C(2,2)C(7,2)/C(9,4)   = 1 - 21/126  = 5/6
    #   k=5 (1 1 0 0 0):   P(X <= 2) = 1 - C(3,3)C(7,2)/C(10,5)  = 1 - 21/252  = 11/12
    # p = min = 5/8: far from a stop.
    result = buscar([1, 1, 0, 0, 0], 10)
    assert result.p_value == pytest.approx(5 / 8, abs=1e-12)
    assert not result.can_stop
    assert (result.screened, result.includes_found, result.consecutive_irrelevant) == (5, 2, 3)


def test_hand_worked_case_that_allows_a_stop():
    # N = 25, screened 3 includes then 21 excludes (n = 24), one record unseen; target 95%.
    # m = floor(3 / 0.95 + 1) - 3 = 1. The urn of the 21 excludes: N_k = 22 records, K_k = 1,
    # 21 draws, P(X = 0) = C(21,21)/C(22,21) = 1/22 = 0.0455. Longer urns: 2/23, 3/24, 4/25.
    # p = 1/22 < 0.05, so the lead may stop with 95% confidence.
    result = buscar([1, 1, 1] + [0] * 21, 25)
    assert result.p_value == pytest.approx(1 / 22, abs=1e-12)
    assert result.can_stop
    assert result.consecutive_irrelevant == 21
    # With one record unseen, "at least one missed" is rejected, so recall is vouched for at 100%.
    assert result.estimated_recall == 1.0


def test_scipy_values_for_the_hand_worked_urns():
    assert hypergeom.cdf(0, 8, 1, 3) == pytest.approx(5 / 8)
    assert hypergeom.cdf(1, 9, 2, 4) == pytest.approx(5 / 6)
    assert hypergeom.cdf(0, 22, 1, 21) == pytest.approx(1 / 22)


@pytest.mark.parametrize("seed", range(40))
def test_p_value_equals_the_authors_formula_over_every_urn(seed):
    rng = np.random.default_rng(seed)
    total = int(rng.integers(5, 400))
    n = int(rng.integers(1, total + 1))
    # Rich in includes early, as a ranked queue is.
    chance = np.linspace(rng.uniform(0.2, 0.9), 0.0, n)
    labels = (rng.random(n) < chance).astype(int).tolist()
    target = float(rng.choice([0.8, 0.9, 0.95, 0.99, 1.0]))
    expected = _reference_p(labels, total, target)
    assert buscar_p_value(labels, total, recall_target=target) == pytest.approx(expected, rel=1e-8, abs=1e-15)


@pytest.mark.parametrize("scale", [300, 3_000, 100_000])
def test_hypergeometric_cdf_equals_scipys(scale):
    rng = np.random.default_rng(scale)
    population = rng.integers(1, scale, 2000)
    successes = rng.integers(0, population + 1)
    draws = rng.integers(0, population + 1)
    mean = draws * successes / population
    spread = np.sqrt(np.maximum(mean, 1))
    x = np.floor(mean + rng.normal(0, 4, 2000) * spread).clip(-1, None)
    ours = stopping.hypergeom_cdf(x, population, successes, draws)
    theirs = hypergeom.cdf(x, population, successes, draws)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-300)


def test_ranked_screening_with_few_unseen_reaches_a_stop():
    labels = [1] * 40 + [1, 0] * 10 + [0] * 300
    assert buscar(labels, 400).can_stop
    assert not buscar(labels[:80], 400).can_stop


def test_prior_records_are_left_out_of_the_test_but_counted_as_screened():
    labels = [1, 1, 1] + [0] * 21
    with_prior = buscar(labels, 27, prior=2)
    alone = buscar(labels, 25)
    assert with_prior.p_value == alone.p_value
    assert with_prior.screened == 26 and with_prior.total == 27
    assert with_prior.includes_found == 3


def test_everything_screened_means_the_stop_is_certain():
    result = buscar([1, 0, 1, 0, 0], 5)
    assert result.p_value == 0.0 and result.can_stop and result.estimated_recall == 1.0


def test_nothing_screened_yet():
    result = buscar([], 100)
    assert result.p_value == 1.0 and not result.can_stop
    assert (result.screened, result.includes_found, result.estimated_recall) == (0, 0, 0.0)


@pytest.mark.parametrize("seed", range(25))
def test_estimated_recall_is_the_lower_bound_the_test_vouches_for(seed):
    rng = np.random.default_rng(1000 + seed)
    total = int(rng.integers(20, 300))
    n = int(rng.integers(1, total))
    chance = np.linspace(0.8, 0.0, n)
    labels = (rng.random(n) < chance).astype(int)
    labels[0] = 1
    result = buscar(labels.tolist(), total)
    r, unseen = int(labels.sum()), total - n
    # Brute force: the largest m (0..unseen) that the test does not reject ("at least m missed").
    kept = max(m for m in range(0, unseen + 1) if m == 0 or stopping._min_tail(labels, total, m) >= 0.05)
    assert result.estimated_recall == pytest.approx(r / (r + kept))
    for target in (0.5, 0.8, 0.9, 0.95, 0.99):
        at = buscar(labels.tolist(), total, recall_target=target)
        assert at.can_stop == (at.estimated_recall >= target)


def test_confidence_changes_the_threshold():
    labels = [1, 1, 1] + [0] * 21
    assert not buscar(labels, 25, confidence=0.99).can_stop
    assert buscar(labels, 25, confidence=0.9).can_stop


def test_result_as_dict_is_json():
    recorded = json.loads(json.dumps(buscar([1, 0, 0], 10).as_dict()))
    assert set(recorded) == {field for field in StoppingResult.__dataclass_fields__}
    assert recorded["recall_target"] == 0.95 and recorded["confidence"] == 0.95


def test_consecutive_irrelevant_counts_the_final_run_of_excludes():
    assert buscar([0, 0, 1, 0, 0, 0, 0], 50).consecutive_irrelevant == 4
    assert buscar([0, 0, 0], 50).consecutive_irrelevant == 3
    assert buscar([0, 1], 50).consecutive_irrelevant == 0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: buscar([1, 2], 10), stopping.BAD_LABELS.format(value=2)),
        (lambda: buscar([1, 0, 0], 2), stopping.BAD_COUNTS.format(screened=3, prior=0, total=2)),
        (lambda: buscar([1, 0], 5, prior=4), stopping.BAD_COUNTS.format(screened=2, prior=4, total=5)),
        (lambda: buscar([1], 5, recall_target=0), stopping.BAD_TARGET.format(value=0)),
        (lambda: buscar([1], 5, recall_target=1.5), stopping.BAD_TARGET.format(value=1.5)),
        (lambda: buscar([1], 5, confidence=1), stopping.BAD_CONFIDENCE.format(value=1)),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError) as caught:
        call()
    assert str(caught.value) == message


def test_p_value_is_fast_on_100000_records():
    import time

    rng = np.random.default_rng(0)
    labels = (rng.random(60_000) < np.linspace(0.3, 0.0, 60_000)).astype(int)
    start = time.perf_counter()
    result = buscar(labels, 100_000)
    assert time.perf_counter() - start < 5.0
    assert math.isfinite(result.p_value)
