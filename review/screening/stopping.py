"""When may prioritised screening stop? The hypergeometric test of Callaghan & Müller-Hansen (2020).

Pure Python (numpy, scipy), no Django import. The lead decides; this module supplies the statistic.

The method ("buscar", biased urn stopping criterion with ``bias = 1``) tests the null hypothesis
H0: "recall is below the target τ" at every point of the screening. Treat the last ``k`` records
screened, for each ``k``, as if they had been drawn at random from those ``k`` records plus every
record not yet screened (a pessimistic assumption while the ranking still works: the ranked records
are richer in includes than a random draw, so the test under-states what was found). Under H0 at
least ``K_k`` includes are in that urn of ``N_k`` records, where

    r       includes found so far (in the records the test covers),
    r_k     includes among the last k records,
    N_k  =  N - (n - k)                      records in the urn (N records in all, n screened),
    K_k  =  floor(r / τ + 1) - (r - r_k)     the fewest includes the urn holds if recall < τ,

since recall ``r / R < τ`` means ``R ≥ floor(r / τ) + 1`` includes in all, of which ``r - r_k`` were
found before the urn. The p-value is the smallest, over ``k = 1..n``, of the probability of finding
no more than ``r_k`` includes in ``k`` draws without replacement from such an urn,

    p = min_k  P(X ≤ r_k),   X ~ Hypergeometric(N_k, K_k, k),

and the lead may stop, with the chosen confidence, when ``p < 1 - confidence``. The cumulative
probabilities come from :func:`hypergeom_cdf` (log-gamma terms from ``scipy.special``), which
agrees with ``scipy.stats.hypergeom.cdf`` to 1e-8 and is a thousand times faster on large reviews. An urn that would
need more includes than it has records (``K_k > N_k``) makes H0 impossible, and its probability is 0
(the authors' code returns no value then).

What the test covers: ``screened_labels`` are the records screened since ranking began, in
screening order. The ``prior`` records screened before it began (at random, or chosen by hand) are
left out of the test altogether: the population is ``total - prior`` records, and ``r`` counts the
includes in ``screened_labels`` only. Recall among the records the test covers is then at most the
overall recall (the prior includes add to both the numerator and the denominator), so a stop it
allows also holds for the whole set. ``screened`` in the result counts the prior records too;
``includes_found`` does not (the caller adds the prior includes it knows of).

References
----------
Callaghan MW, Müller-Hansen F. Statistical stopping criteria for automated screening in systematic
reviews. Systematic Reviews 2020;9:273. https://doi.org/10.1186/s13643-020-01521-4

The authors' Python implementation, ``calculate_h0`` in the ``buscarpy`` package
(https://github.com/mcallaghan/buscarpy) and in the NACSOS platform
(https://gitlab.pik-potsdam.de/mcc-apsis/nacsos), which this module follows and the tests check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import gammaln

BAD_TARGET = "The recall target must be above 0 and at most 1; it is {value!r}."
BAD_CONFIDENCE = "The confidence level must be above 0 and below 1; it is {value!r}."
BAD_LABELS = "Screened labels must be 0 or 1; found {value!r}."
BAD_COUNTS = (
    "{screened} records screened since ranking began plus {prior} before it is more than "
    "the {total} records in all."
)


@dataclass(frozen=True)
class StoppingResult:
    """The stopping statistic at one moment, as the dashboard shows it and the audit log keeps it.

    ``screened`` counts every screened record (prior ones included); ``includes_found`` the
    includes since ranking began. ``estimated_recall`` is the recall the test vouches for at the
    confidence level: the largest ``r / (r + m)`` such that "at least ``m`` includes missed" is not
    rejected, that is a one-sided lower confidence bound; ``can_stop`` is exactly
    ``estimated_recall >= recall_target``. ``consecutive_irrelevant`` is the run of excludes at the
    end of the screening, ASReview's heuristic, shown as a secondary indicator only.
    """

    screened: int
    includes_found: int
    total: int
    recall_target: float
    confidence: float
    p_value: float
    estimated_recall: float
    consecutive_irrelevant: int
    can_stop: bool

    def as_dict(self) -> dict:
        return asdict(self)


def _checked(screened_labels: Sequence[int], total: int, prior: int) -> np.ndarray:
    labels = np.asarray(screened_labels, dtype=np.int64).reshape(-1)
    bad = labels[(labels != 0) & (labels != 1)]
    if bad.size:
        raise ValueError(BAD_LABELS.format(value=int(bad[0])))
    if prior < 0 or labels.size + prior > total:
        raise ValueError(BAD_COUNTS.format(screened=labels.size, prior=prior, total=total))
    return labels


def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def hypergeom_cdf(x, population, successes, draws) -> np.ndarray:
    """P(X ≤ x) for X ~ Hypergeometric(population, successes, draws), as ``scipy.stats.hypergeom.cdf``.

    scipy's (Boost's) cdf costs about a millisecond per value at 100,000 records, and the test
    evaluates one per urn, thousands of urns, many times over for the recall bound. Here the
    probabilities are summed from ``x`` away from the mode, all urns at once, until the rest is
    negligible: the distribution is log-concave, so once the ratio of successive terms is ``q < 1``
    the rest is at most ``term * q / (1 - q)``. From below the mode that sums the lower tail; from
    above, the upper tail, whose complement is returned.
    """
    arrays = np.broadcast_arrays(x, population, successes, draws)
    shape = arrays[0].shape
    x, big_n, big_k, n = (np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays)
    result = np.zeros(x.shape)
    low = np.maximum(0, n - (big_n - big_k))
    high = np.minimum(n, big_k)
    result[x >= high] = 1.0
    inside = (x >= low) & (x < high)
    mode = np.floor((n + 1) * (big_k + 1) / (big_n + 2))
    for downward in (True, False):
        chosen = np.flatnonzero(inside & ((x < mode) == downward))
        if chosen.size == 0:
            continue
        N, K, m = big_n[chosen], big_k[chosen], n[chosen]
        j = x[chosen] if downward else x[chosen] + 1
        term = np.exp(_log_choose(K, j) + _log_choose(N - K, m - j) - _log_choose(N, m))
        total = term.copy()
        active = np.arange(chosen.size)
        while active.size:
            ja, Ka, Na, ma = j[active], K[active], N[active], m[active]
            if downward:
                ratio = ja * (Na - Ka - ma + ja) / ((Ka - ja + 1) * (ma - ja + 1))
                ratio = np.where(ja > low[chosen][active], ratio, 0.0)
                j[active] = ja - 1
            else:
                ratio = (Ka - ja) * (ma - ja) / ((ja + 1) * (Na - Ka - ma + ja + 1))
                ratio = np.where(ja < high[chosen][active], ratio, 0.0)
                j[active] = ja + 1
            term[active] *= ratio
            total[active] += term[active]
            rest_bound = np.where(ratio < 1, term[active] * ratio / np.maximum(1 - ratio, 1e-300), np.inf)
            active = active[(term[active] > 0) & (rest_bound > 1e-17 * total[active])]
        result[chosen] = np.minimum(total, 1.0) if downward else np.maximum(1.0 - total, 0.0)
    return result.reshape(shape)


def _min_tail(labels: np.ndarray, population: int, missed: int) -> float:
    """min over urns of P(X ≤ r_k) when the urns hold r_k + ``missed`` includes (``missed`` ≥ 1).

    Only urns whose next older record is an include, and the whole sequence, are evaluated: adding
    an exclude to an urn (one more draw, one more record, the same includes) only lowers P(X ≤ r_k),
    so within a run of excludes the longest urn gives the minimum.
    """
    n = labels.size
    reversed_labels = labels[::-1]
    urn_includes = np.cumsum(reversed_labels)
    sizes = np.arange(1, n + 1)
    ends = np.flatnonzero(np.append(reversed_labels[1:] == 1, True))
    k = sizes[ends]
    r_k = urn_includes[ends]
    urn_records = population - (n - k)
    urn_relevant = r_k + missed
    possible = urn_relevant <= urn_records
    if not possible.any():
        return 0.0
    tails = hypergeom_cdf(r_k[possible], urn_records[possible], urn_relevant[possible], k[possible])
    return float(np.min(tails)) if possible.all() else 0.0


def buscar_p_value(
    screened_labels: Sequence[int], total: int, *, recall_target: float = 0.95, prior: int = 0
) -> float:
    """The p-value of H0 "recall < recall_target" (module docstring); 1.0 before anything is screened."""
    if not 0 < recall_target <= 1:
        raise ValueError(BAD_TARGET.format(value=recall_target))
    labels = _checked(screened_labels, total, prior)
    if labels.size == 0:
        return 1.0
    found = int(labels.sum())
    # The fewest includes missed for recall to fall below the target: R >= floor(r / τ) + 1.
    missed = int(np.floor(found / recall_target + 1)) - found
    return _min_tail(labels, total - prior, missed)


def _recall_bound(labels: np.ndarray, population: int, alpha: float) -> float:
    """The largest r / (r + m) with "at least m missed" not rejected at level alpha."""
    found = int(labels.sum())
    unseen = population - labels.size
    if unseen == 0:
        return 1.0
    # The tail falls as m grows (more includes hidden make finding few less likely), so the
    # smallest rejected m is found by bisection; if even m = unseen is not rejected, only the
    # certain bound r / (r + unseen) remains.
    if _min_tail(labels, population, unseen) >= alpha:
        smallest_rejected = unseen + 1
    else:
        low, high = 1, unseen
        while low < high:
            middle = (low + high) // 2
            if _min_tail(labels, population, middle) < alpha:
                high = middle
            else:
                low = middle + 1
        smallest_rejected = low
    largest_kept = smallest_rejected - 1
    if found == 0:
        return 1.0 if largest_kept == 0 else 0.0
    return found / (found + largest_kept)


def buscar(
    screened_labels: Sequence[int],
    total: int,
    *,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    prior: int = 0,
) -> StoppingResult:
    """Callaghan & Müller-Hansen's stopping test over the records screened since ranking began.

    Parameters
    ----------
    screened_labels
        1 (include) or 0 (exclude) for each record screened since ranking began, in screening order.
    total
        Records in the whole set, screened or not, prior ones included.
    recall_target
        τ in H0 "recall < τ"; 0.95 by default.
    confidence
        The lead may stop when ``p_value < 1 - confidence``.
    prior
        Records screened before ranking began: left out of the test (population ``total - prior``)
        but counted in ``screened``.
    """
    if not 0 < confidence < 1:
        raise ValueError(BAD_CONFIDENCE.format(value=confidence))
    p_value = buscar_p_value(screened_labels, total, recall_target=recall_target, prior=prior)
    labels = np.asarray(screened_labels, dtype=np.int64).reshape(-1)
    alpha = 1 - confidence
    includes_at = np.flatnonzero(labels == 1)
    run = labels.size - 1 - int(includes_at[-1]) if includes_at.size else labels.size
    bound = _recall_bound(labels, total - prior, alpha) if labels.size else 0.0
    return StoppingResult(
        screened=prior + int(labels.size),
        includes_found=int(labels.sum()),
        total=int(total),
        recall_target=float(recall_target),
        confidence=float(confidence),
        p_value=p_value,
        estimated_recall=float(bound),
        consecutive_irrelevant=int(run),
        can_stop=bool(p_value < alpha),
    )
