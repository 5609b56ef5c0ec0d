"""Inter-rater agreement: Cohen's kappa with a 95% CI, percent agreement, Fleiss' kappa.

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


@dataclass(frozen=True)
class FleissResult:
    n: int
    raters: int
    kappa: float | None


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> CohenResult | None:
    """Cohen's kappa of two raters over the items both rated.

    The standard error is the large-sample one of Fleiss, Cohen and Everitt, valid for
    any kappa (not only under the null), so the interval is kappa +/- 1.96 SE.
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
    return CohenResult(n, po, kappa, kappa - Z_95 * se, kappa + Z_95 * se, se)


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
