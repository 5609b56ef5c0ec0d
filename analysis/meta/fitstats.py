"""Fitted values, residuals and fit statistics of an ``rma`` fit (metafor's ``fitstats``).

metafor computes the log-likelihood, deviance, AIC, BIC and AICc of every ``rma.uni`` fit
twice, under maximum likelihood and under restricted maximum likelihood, and its
``logLik``, ``deviance``, ``AIC`` and ``BIC`` report the REML column for REML fits and
the ML column for every other method (fixed-effect models included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .estimators import FE_METHODS
from .wls import wls

# metafor sets residuals below 100 machine epsilons to exactly 0 (residuals.rma).
_RESIDUAL_ZERO = 100 * np.finfo(float).eps


@dataclass(frozen=True)
class FitStats:
    """One column of metafor's ``fit.stats``: ``ll``, ``dev``, ``AIC``, ``BIC``, ``AICc``."""

    loglik: float
    deviance: float
    aic: float
    bic: float
    aicc: float


def fitted_values(res) -> np.ndarray:
    """``X beta``, the fitted value of each study (metafor's ``fitted.rma``)."""
    return res.X @ res.beta


def residuals(res) -> np.ndarray:
    """Raw residuals ``yi - X beta`` (metafor's ``residuals.rma``, type "response")."""
    out = res.yi - res.X @ res.beta
    out[np.abs(out) < _RESIDUAL_ZERO] = 0.0
    return out


def n_parameters(res) -> int:
    """metafor's ``parms``: the coefficients, plus tau^2 when it is estimated."""
    return res.p + (0 if res.model in FE_METHODS else 1)


def fit_stats(res) -> dict[str, FitStats]:
    """Both columns of metafor's ``fit.stats``, keyed ``"ML"`` and ``"REML"``.

    With ``w = 1/(vi + tau2)`` and ``RSS = sum(w (yi - X beta)^2)``::

        ll_ML   = -k/2 log(2 pi) - 1/2 sum(log(vi + tau2)) - RSS/2
        ll_REML = -(k-p)/2 log(2 pi) + 1/2 log|X'X| - 1/2 sum(log(vi + tau2))
                  - 1/2 log|X'WX| - RSS/2
        dev_ML  = -2 (ll_ML - sum(log dnorm(yi, yi, sqrt(vi))))   (0 when k = p)
        dev_REML = -2 ll_REML
        AIC = -2 ll + 2 parms,  BIC = -2 ll + parms log(n),  n = k (ML), k - p (REML)
        AICc = -2 ll + 2 parms max(n, parms + 2) / (max(n, parms + 2) - parms - 1)

    References
    ----------
    Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in
    the random-effects model. Journal of Educational and Behavioral Statistics, 30(3),
    261-293.
    Burnham, K. P., & Anderson, D. R. (2002). Model selection and multimodel inference
    (2nd ed.). Springer.
    """
    k, p = res.X.shape
    y, v, X = res.yi, res.vi, res.X
    w = 1 / (v + res.tau2)
    rss = float(np.sum(w * (y - X @ res.beta) ** 2))
    log_var = float(np.sum(np.log(v + res.tau2)))
    ll_ml = -0.5 * k * np.log(2 * np.pi) - 0.5 * log_var - 0.5 * rss
    logdet_xx = np.linalg.slogdet(X.T @ X)[1]
    # log|X'WX| = -log|(X'WX)^-1|, the inverse the weighted fit already holds.
    logdet_xwx = -np.linalg.slogdet(wls(y, w, X).A)[1]
    ll_reml = (
        -0.5 * (k - p) * np.log(2 * np.pi)
        + 0.5 * logdet_xx
        - 0.5 * log_var
        - 0.5 * logdet_xwx
        - 0.5 * rss
    )
    if k <= p:
        dev_ml = 0.0
    elif np.all(v > 0):
        # the saturated model: every study at its own observed value
        dev_ml = -2 * ll_ml - float(np.sum(np.log(2 * np.pi * v)))
    else:
        dev_ml = -2 * ll_ml
    parms = n_parameters(res)
    return {
        "ML": _column(ll_ml, dev_ml, parms, k),
        "REML": _column(ll_reml, -2 * ll_reml, parms, k - p),
    }


def _column(ll: float, dev: float, parms: int, n: int) -> FitStats:
    m = max(n, parms + 2)
    with np.errstate(divide="ignore"):
        # as metafor: log(0) = -Inf when a REML fit has k = p
        bic = -2 * ll + parms * np.log(float(n))
    return FitStats(
        loglik=float(ll),
        deviance=float(dev),
        aic=float(-2 * ll + 2 * parms),
        bic=float(bic),
        aicc=float(-2 * ll + 2 * parms * m / (m - parms - 1)),
    )


def reported_fit_stats(res) -> FitStats:
    """The column metafor's ``logLik``/``AIC``/``BIC`` report: REML for REML fits, else ML."""
    return fit_stats(res)["REML" if res.model == "REML" else "ML"]
