"""Inter-rater agreement: Cohen's kappa with a 95% CI, percent agreement, Fleiss' kappa, and
the prevalence- and bias-adjusted kappa with the prevalence and bias indices of a 2x2 table.

Pure Python, no Django: the dashboard feeds it votes, a notebook can feed it anything.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class CohenResult:
    n: int
    percent_agreement: float
    kappa: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    # True when kappa +/- 1.96 SE crossed -1 or 1 and the bound was set to it.
    ci_truncated: bool = False


@dataclass(frozen=True)
class ByrtResult:
    """PABAK and the prevalence and bias indices of a 2x2 table (Byrt, Bishop & Carlin 1993).

    ``prevalence_index`` is (both positive - both negative) / n: near -1 when nearly every item
    is negative, as at title/abstract where most records are excluded, which is when kappa is
    low despite high agreement. ``bias_index`` is (A positive, B negative - A negative,
    B positive) / n: positive when rater A says positive more often than rater B.
    """

    n: int
    pabak: float
    prevalence_index: float
    bias_index: float


@dataclass(frozen=True)
class FleissResult:
    n: int
    raters: int
    kappa: float | None


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> CohenResult | None:
    """Cohen's kappa of two raters over the items both rated.

    The standard error is the large-sample one of Fleiss, Cohen and Everitt, valid for
    any kappa (not only under the null), so the interval is kappa +/- 1.96 SE, with a bound
    beyond -1 or 1 set to it (``ci_truncated``): kappa cannot leave [-1, 1], and a Wald
    interval near either end would, with few items or agreement near perfect. R's psych
    does the same in ``cohen.kappa1`` (psych 2.2.9: ``bounds[bounds > 1] <- 1``,
    ``bounds[bounds < -1] <- -1``, with the warning "upper or lower confidence interval
    exceed abs(1) and set to +/- 1"); tests/review/r/agreement_reference.R checks the
    numbers against it.
    Kappa is undefined (None) when chance agreement is 1, i.e. both raters used a
    single and the same category throughout.

    References
    ----------
    Cohen J (1960). A coefficient of agreement for nominal scales. Educ Psychol Meas 20:37-46.
    Fleiss JL, Cohen J, Everitt BS (1969). Large sample standard errors of kappa and
    weighted kappa. Psychol Bull 72:323-327.
    """
    return cohen_kappa_table(Counter(pairs))


def cohen_kappa_table(cells: Mapping[tuple[Hashable, Hashable], int]) -> CohenResult | None:
    """Cohen's kappa from the contingency table {(a's rating, b's rating): items}.

    The same as ``cohen_kappa`` of the expanded pairs; the dashboard's database query
    already returns the table, and 100,000 pairs need not be rebuilt to be counted again.
    """
    n = sum(cells.values())
    if n == 0:
        return None
    rows: Counter = Counter()
    cols: Counter = Counter()
    for (a, b), count in cells.items():
        rows[a] += count
        cols[b] += count
    categories = sorted(set(rows) | set(cols), key=str)
    p = {key: count / n for key, count in cells.items()}
    pr = {c: rows[c] / n for c in categories}
    pc = {c: cols[c] / n for c in categories}
    po = sum(p.get((c, c), 0.0) for c in categories)
    pe = sum(pr[c] * pc[c] for c in categories)
    if math.isclose(pe, 1.0):
        return CohenResult(n, po, None, None, None, None)
    kappa = (po - pe) / (1 - pe)
    diagonal = sum(p.get((c, c), 0.0) * (1 - (pr[c] + pc[c]) * (1 - kappa)) ** 2 for c in categories)
    off = sum(
        p.get((i, j), 0.0) * (pc[i] + pr[j]) ** 2
        for i in categories for j in categories if i != j
    )
    variance = (diagonal + (1 - kappa) ** 2 * off - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    se = math.sqrt(max(variance, 0.0))
    low, high = kappa - Z_95 * se, kappa + Z_95 * se
    # As psych's cohen.kappa1: a Wald bound past the range of kappa is set to its end.
    truncated = low < -1.0 or high > 1.0
    return CohenResult(n, po, kappa, max(low, -1.0), min(high, 1.0), se, truncated)


def byrt_indices(
    cells: Mapping[tuple[Hashable, Hashable], int], positive: Hashable, negative: Hashable,
) -> ByrtResult | None:
    """PABAK, prevalence index and bias index of the 2x2 table {(a's rating, b's rating): items}.

    With a = both positive, b = A positive and B negative, c = A negative and B positive,
    d = both negative and n = a + b + c + d: PABAK = 2 po - 1 with po = (a + d) / n,
    PI = (a - d) / n and BI = (b - c) / n. A rating other than ``positive`` or ``negative``
    is refused: the indices are defined for two categories only.

    References
    ----------
    Byrt T, Bishop J, Carlin JB (1993). Bias, prevalence and kappa. J Clin Epidemiol
    46:423-429.
    """
    allowed = {positive, negative}
    for a, b in cells:
        if a not in allowed or b not in allowed:
            raise ValueError(f"rating {a if a not in allowed else b!r} is neither {positive!r} nor {negative!r}")
    n = sum(cells.values())
    if n == 0:
        return None
    both_pos = cells.get((positive, positive), 0)
    both_neg = cells.get((negative, negative), 0)
    a_only = cells.get((positive, negative), 0)
    b_only = cells.get((negative, positive), 0)
    po = (both_pos + both_neg) / n
    return ByrtResult(n, 2 * po - 1, (both_pos - both_neg) / n, (a_only - b_only) / n)


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> FleissResult | None:
    """Fleiss' kappa from a subjects x categories table of rating counts.

    Every subject must have the same number of ratings m >= 2 (rows with another total
    are the caller's to drop). None when chance agreement is 1.

    References
    ----------
    Fleiss JL (1971). Measuring nominal scale agreement among many raters.
    Psychol Bull 76:378-382.
    """
    return fleiss_kappa_grouped(Counter(tuple(row) for row in counts))


def fleiss_kappa_grouped(groups: Mapping[tuple[int, ...], int]) -> FleissResult | None:
    """Fleiss' kappa from {row of rating counts: subjects with that row}; as ``fleiss_kappa``."""
    groups = {row: count for row, count in groups.items() if count}
    if not groups:
        return None
    m = sum(next(iter(groups)))
    if m < 2 or any(sum(row) != m for row in groups):
        raise ValueError("every subject needs the same number (at least 2) of ratings")
    n = sum(groups.values())
    k = len(next(iter(groups)))
    p_j = [sum(row[j] * count for row, count in groups.items()) / (n * m) for j in range(k)]
    p_bar = sum(count * sum(x * (x - 1) for x in row) / (m * (m - 1)) for row, count in groups.items()) / n
    pe = sum(x * x for x in p_j)
    if math.isclose(pe, 1.0):
        return FleissResult(n, m, None)
    return FleissResult(n, m, (p_bar - pe) / (1 - pe))
