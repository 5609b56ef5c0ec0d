"""I^2 and H from Cochran's Q with their test-based confidence intervals, as R's meta does.

metafor reports a tau^2-based I^2 for random-effects models (``100 tau2 / (tau2 + s2)``);
R's meta, the Cochrane Handbook and most published forest plots report Higgins &
Thompson's I^2 from Q instead, ``(Q - df) / Q`` truncated at 0, with an interval built on
the log scale of ``H = sqrt(Q / df)``. The two agree for a fixed-effect model and can
differ a great deal for a random-effects one, so every result carries both: ``I2`` is
metafor's, ``I2_Q`` this one.

References
----------
Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
Statistics in Medicine 21(11):1539-1558 (H, its standard error on the log scale,
equations 8-9 and the appendix; I^2 = (H^2 - 1) / H^2).

Schwarzer G (2007). meta: An R package for meta-analysis. R News 7(3):40-45 (functions
``calcH`` and ``isquared``, the same formulas).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import ndtri

I2_Q_LABEL = "I² from Q (Higgins & Thompson 2002)"
I2_TAU2_LABEL = "I² from τ² (metafor)"


@dataclass(frozen=True)
class QHeterogeneity:
    """H and I^2 (percent) from Q on ``df`` degrees of freedom, with intervals at ``level``.

    All fields are NaN when ``df < 1`` (a single study), and the interval is NaN when Higgins
    & Thompson's standard error is undefined (k = 2 with Q <= k).
    """

    Q: float
    df: int
    level: float
    H: float
    H_ci_lb: float
    H_ci_ub: float
    I2: float
    I2_ci_lb: float
    I2_ci_ub: float


def _se_log_h(q: float, k: int) -> float:
    """Standard error of log H (Higgins & Thompson 2002, equations 8 and 9).

    For Q > k the delta-method form; otherwise the one derived for Q near its expectation,
    which needs k > 2. The switch at Q > k (not Q > df) is the paper's and meta's.
    """
    if q > k:
        return 0.5 * (math.log(q) - math.log(k - 1)) / (math.sqrt(2 * q) - math.sqrt(2 * k - 3))
    if k > 2:
        return math.sqrt(1 / (2 * (k - 2)) * (1 - 1 / (3 * (k - 2) ** 2)))
    return math.nan


def _i2(h: float) -> float:
    return 100 * (h * h - 1) / (h * h)


def q_heterogeneity(q: float, df: int, level: float = 95) -> QHeterogeneity:
    """H and I^2 from Cochran's Q with Higgins & Thompson's (2002) confidence intervals.

    Parameters
    ----------
    q : float
        Cochran's Q (or the residual Q of a meta-regression, on its ``df``).
    df : int
        Its degrees of freedom, k - 1 for a pooled estimate.
    level : float
        Confidence level in percent (0.95 is read as 95%).

    Returns
    -------
    QHeterogeneity
        ``H = max(1, sqrt(Q / df))`` with the interval ``exp(log H +/- z se(log H))``, each
        bound at least 1; ``I2 = 100 (H^2 - 1) / H^2`` and its interval from H's bounds.

    References
    ----------
    Higgins JPT, Thompson SG (2002). Statistics in Medicine 21(11):1539-1558.
    """
    if not 0 < level < 100:
        raise ValueError("'level' must lie in (0, 100)")
    level = level * 100 if level < 1 else level
    q = float(q)
    if df < 1 or not math.isfinite(q):
        nan = math.nan
        return QHeterogeneity(q, int(df), level, nan, nan, nan, nan, nan, nan)
    if q < 0:
        raise ValueError(f"Q must not be negative, got {q}")
    k = df + 1
    h = math.sqrt(q / df)
    se = _se_log_h(q, k)
    crit = -ndtri((1 - level / 100) / 2)
    if q == 0:
        # log H is -inf: both bounds are exp(-inf) = 0 before the truncation at 1.
        lb = ub = 1.0 if math.isfinite(se) else math.nan
    elif math.isfinite(se):
        lb = max(1.0, math.exp(math.log(h) - crit * se))
        ub = max(1.0, math.exp(math.log(h) + crit * se))
    else:
        lb = ub = math.nan
    h = max(1.0, h)
    return QHeterogeneity(q, int(df), level, h, lb, ub, _i2(h), _i2(lb), _i2(ub))


class QHeterogeneityFields:
    """``I2_Q``, ``H_Q`` and their intervals for any result with ``Q``, ``Q_df``, ``level``.

    A mixin rather than stored fields, so each result class gains them without a change to
    how it is built.
    """

    @property
    def q_heterogeneity(self) -> QHeterogeneity:
        return q_heterogeneity(self.Q, self.Q_df, self.level)

    @property
    def I2_Q(self) -> float:
        return self.q_heterogeneity.I2

    @property
    def I2_Q_ci_lb(self) -> float:
        return self.q_heterogeneity.I2_ci_lb

    @property
    def I2_Q_ci_ub(self) -> float:
        return self.q_heterogeneity.I2_ci_ub

    @property
    def H_Q(self) -> float:
        return self.q_heterogeneity.H

    @property
    def H_Q_ci_lb(self) -> float:
        return self.q_heterogeneity.H_ci_lb

    @property
    def H_Q_ci_ub(self) -> float:
        return self.q_heterogeneity.H_ci_ub
