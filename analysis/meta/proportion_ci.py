"""Confidence intervals for a single study's proportion, x events out of n.

A forest plot of proportions shows each study's own interval. The Wald interval of the
transformed proportion (what ``yi +/- z sqrt(vi)`` gives) leaves [0, 1] on the raw scale and
collapses at 0 or n events, so R's meta draws the exact Clopper-Pearson interval by default
(``method.ci = "CP"``) and offers Wilson's score interval (``"WS"``); both are here.

References
----------
Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated in the
case of the binomial. Biometrika 26(4):404-413.

Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
Journal of the American Statistical Association 22(158):209-212.

Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison
of seven methods. Statistics in Medicine 17(8):857-872.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaincinv, ndtri

from .errors import check_counts

__all__ = [
    "PROPORTION_CI_METHODS",
    "ProportionCI",
    "clopper_pearson",
    "proportion_ci",
    "proportion_ci_label",
    "wilson",
]

PROPORTION_CI_METHODS = ("clopper-pearson", "wilson")
PROPORTION_CI_LABELS = {
    "clopper-pearson": "Clopper–Pearson (exact)",
    "wilson": "Wilson score",
}


@dataclass(frozen=True)
class ProportionCI:
    """Per study: the proportion ``x / n`` and its interval, with the method's name."""

    estimate: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    method: str
    level: float


def _alpha(level: float) -> float:
    if not 0 < level < 100:
        raise ValueError("'level' must lie in (0, 100)")
    return (100 - level) / 100 if level > 1 else 1 - level


def clopper_pearson(xi, ni, level: float = 95) -> ProportionCI:
    """Clopper & Pearson's (1934) exact interval, as R's ``binom.test``.

    The bounds are beta quantiles: ``B(alpha/2; x, n - x + 1)`` and
    ``B(1 - alpha/2; x + 1, n - x)``, with 0 for x = 0 and 1 for x = n.
    """
    x, n = check_counts(xi, ni)
    alpha = _alpha(level)
    with np.errstate(invalid="ignore"):
        lb = np.where(x == 0, 0.0, betaincinv(x, n - x + 1, alpha / 2))
        ub = np.where(x == n, 1.0, betaincinv(x + 1, n - x, 1 - alpha / 2))
    return ProportionCI(x / n, lb, ub, "clopper-pearson", _level(level))


def wilson(xi, ni, level: float = 95) -> ProportionCI:
    """Wilson's (1927) score interval without continuity correction.

    ``(p + z^2/2n +/- z sqrt(p(1 - p)/n + z^2/4n^2)) / (1 + z^2/n)``, the interval of R's
    ``prop.test(x, n, correct = FALSE)`` and of meta's ``method.ci = "WS"``.
    """
    x, n = check_counts(xi, ni)
    z = -ndtri(_alpha(level) / 2)
    p = x / n
    centre = p + z * z / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denom = 1 + z * z / n
    # At x = 0 (or n) the bound is exactly 0 (or 1); the formula reaches it only up to
    # rounding.
    lb = np.where(x == 0, 0.0, (centre - half) / denom)
    ub = np.where(x == n, 1.0, (centre + half) / denom)
    return ProportionCI(p, lb, ub, "wilson", _level(level))


def _level(level: float) -> float:
    return level * 100 if level < 1 else level


def proportion_ci(xi, ni, method: str = "clopper-pearson", level: float = 95) -> ProportionCI:
    """The interval of ``method`` (``"clopper-pearson"``, the default as in meta, or
    ``"wilson"``)."""
    if method == "clopper-pearson":
        return clopper_pearson(xi, ni, level)
    if method == "wilson":
        return wilson(xi, ni, level)
    raise ValueError(
        f"unknown proportion interval {method!r}; expected one of "
        f"{', '.join(PROPORTION_CI_METHODS)}"
    )


def proportion_ci_label(method: str) -> str:
    """The interval's name as pages and plots show it."""
    if method not in PROPORTION_CI_LABELS:
        raise ValueError(
            f"unknown proportion interval {method!r}; expected one of "
            f"{', '.join(PROPORTION_CI_METHODS)}"
        )
    return PROPORTION_CI_LABELS[method]
