"""Cochran's Q, I^2 and H^2 exactly as ``metafor::rma.uni`` defines them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc

from .wls import wls


@dataclass(frozen=True)
class Heterogeneity:
    Q: float
    Q_df: int
    Q_p: float
    I2: float
    H2: float
    typical_vi: float


def heterogeneity(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float, fixed: bool):
    """Residual heterogeneity statistics.

    Q is the weighted residual sum of squares of the fixed-effect fit (k - p df). For a
    random-effects model ``I2 = 100 tau2 / (tau2 + s2)`` and ``H2 = tau2 / s2 + 1`` with
    the "typical" within-study variance ``s2 = (k - p) / tr(P)``, which for an
    intercept-only model is ``(k - 1) sum(w) / (sum(w)^2 - sum(w^2))``. For a fixed-effect
    model ``I2 = max(0, 100 (Q - df) / Q)`` and ``H2 = Q / df``. With k = p (one study)
    metafor reports Q = 0, p = 1, I2 = 0, H2 = 1. With a sampling variance of 0, Q, its
    p-value, I2 and H2 are NaN (metafor: NA).

    References
    ----------
    Cochran, W. G. (1954). The combination of estimates from different experiments.
    Biometrics, 10(1), 101-129.
    Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a
    meta-analysis. Statistics in Medicine, 21(11), 1539-1558.
    """
    k, p = X.shape
    if k <= p:
        return Heterogeneity(0.0, 0, 1.0, 0.0, 1.0, 0.0)
    df = k - p
    if np.any(v == 0):
        # Q weights by 1/v: undefined with a sampling variance of 0 (metafor reports NA).
        return Heterogeneity(np.nan, df, np.nan, np.nan, np.nan, np.nan)
    # Weights in units of the largest variance, so that variances of 1e-300 do not
    # overflow the squared weights inside the trace.
    s = float(np.max(v))
    fit = wls(y - y.mean(), s / v, X)
    q = max(0.0, fit.rss / s)
    q_p = float(chdtrc(df, q))
    typical = s * df / fit.tr_pe()
    if fixed:
        i2 = max(0.0, 100 * (q - df) / q) if q > 0 else 0.0
        h2 = q / df
    else:
        i2 = 100 * tau2 / (typical + tau2)
        h2 = tau2 / typical + 1
    return Heterogeneity(q, df, q_p, float(i2), float(h2), float(typical))


def i2_from_q(q: float, df: int) -> float:
    """Higgins & Thompson's I^2 as a proportion, ``max(0, (Q - df) / Q)`` (0 when Q = 0)."""
    if q <= 0:
        return 0.0
    return max(0.0, (q - df) / q)
