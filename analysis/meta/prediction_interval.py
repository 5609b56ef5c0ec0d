"""Prediction intervals of a pooled estimate under three conventions.

``estimate +/- crit * sqrt(se^2 + tau2)``, where the critical value is

- ``"z"``: the normal quantile (metafor's ``predict.rma`` with ``test="z"``);
- ``"t"``: the t quantile on k - p df (metafor with ``test="t"`` or ``"knha"``);
- ``"hts"``: the t quantile on k - 2 df (Higgins, Thompson & Spiegelhalter 2009; R meta's
  ``method.predict = "HTS"``), defined for k >= 3 only (NaN otherwise, as meta).

``se`` is the model's standard error of the estimate (the Knapp-Hartung one when the model
was fitted with ``test="knha"``), as both packages use it.

References
----------
Higgins JPT, Thompson SG, Spiegelhalter DJ (2009). A re-evaluation of random-effects
meta-analysis. Journal of the Royal Statistical Society A 172(1):137-159.

Riley RD, Higgins JPT, Deeks JJ (2011). Interpretation of random effects meta-analyses.
BMJ 342:d549.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri, stdtrit

PI_TYPES = ("z", "t", "hts")
PI_LABELS = {
    "z": "prediction interval z (normal)",
    "t": "prediction interval t(k−p)",
    "hts": "prediction interval t(k−2) (Higgins, Thompson & Spiegelhalter 2009)",
}


def check_pi_type(pi_type: str) -> str:
    if pi_type not in PI_TYPES:
        raise ValueError(f"unknown pi_type {pi_type!r}; expected one of {', '.join(PI_TYPES)}")
    return pi_type


def pi_df(pi_type: str, k: int, p: int = 1) -> float:
    """Degrees of freedom of the critical value: inf for z, NaN where undefined."""
    check_pi_type(pi_type)
    if pi_type == "z":
        return math.inf
    df = k - p if pi_type == "t" else k - 2
    return float(df) if df >= 1 else math.nan


def prediction_bounds(
    estimate: float, se: float, tau2: float, k: int, level: float, pi_type: str, p: int = 1
) -> tuple[float, float]:
    """(pi_lb, pi_ub) of a pooled estimate; ``level`` in percent (0.95 read as 95%)."""
    df = pi_df(pi_type, k, p)
    if math.isnan(df):
        return math.nan, math.nan
    # As metafor's .level: 95 and 0.95 both mean a 95% interval.
    alpha = (100 - level) / 100 if level > 1 else 1 - level
    crit = -ndtri(alpha / 2) if math.isinf(df) else -stdtrit(df, alpha / 2)
    half = crit * math.sqrt(se * se + tau2)
    return estimate - half, estimate + half


def prediction_bounds_array(estimate, se, tau2, k, level: float, pi_type: str, p: int = 1):
    """``prediction_bounds`` for arrays of estimates (one per row, ``k`` studies each)."""
    check_pi_type(pi_type)
    estimate, se, tau2 = (np.asarray(a, dtype=float) for a in (estimate, se, tau2))
    k = np.asarray(k, dtype=float)
    alpha = (100 - level) / 100 if level > 1 else 1 - level
    if pi_type == "z":
        crit = np.full(estimate.shape, -ndtri(alpha / 2))
    else:
        df = k - p if pi_type == "t" else k - 2
        with np.errstate(invalid="ignore"):
            crit = np.where(df >= 1, -stdtrit(np.maximum(df, 1.0), alpha / 2), np.nan)
    half = crit * np.sqrt(se * se + tau2)
    return estimate - half, estimate + half
