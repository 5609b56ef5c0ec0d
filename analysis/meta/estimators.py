"""Estimators of the between-study variance tau^2, as in ``metafor::rma.uni``.

Every estimator works with a design matrix ``X`` (intercept only for a plain
meta-analysis, moderators for a meta-regression). Like metafor, the outcomes are
centred before tau^2 is estimated; with an intercept in ``X`` this changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .errors import ConvergenceError
from .wls import wls

RE_METHODS = ("DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
FE_METHODS = ("FE", "EE")

THRESHOLD = 1e-10
MAXITER = 1000


@dataclass(frozen=True)
class Tau2Estimate:
    """tau^2, its standard error (metafor's formula for the method), and convergence."""

    tau2: float
    se_tau2: float
    converged: bool = True
    iterations: int = 0


def _dl(y, v, X) -> Tau2Estimate:
    """DerSimonian & Laird (1986) method of moments."""
    k, p = X.shape
    fit = wls(y, 1 / v, X)
    tr_p = fit.tr_pe()
    tau2 = max(0.0, (fit.rss - (k - p)) / tr_p)
    se = np.sqrt((2 * (k - p) + 4 * tau2 * tr_p + 2 * tau2**2 * fit.tr_pepf()) / tr_p**2)
    return Tau2Estimate(tau2, float(se))


def _he(y, v, X) -> Tau2Estimate:
    """Hedges (1983) unweighted method of moments."""
    k, p = X.shape
    tau2, fit = _he_raw(y, v, X)
    tau2 = max(0.0, tau2)
    tr_pv = fit.tr_pe(v)
    se = np.sqrt((2 * fit.tr_pepf(v, v) + 4 * tau2 * tr_pv + 2 * tau2**2 * (k - p)) / (k - p) ** 2)
    return Tau2Estimate(tau2, float(se))


def _he_raw(y, v, X):
    k, p = X.shape
    fit = wls(y, np.ones(k), X)
    return (fit.rss - fit.tr_pe(v)) / (k - p), fit


def _hs(y, v, X) -> Tau2Estimate:
    """Hunter & Schmidt (2004) estimator."""
    k, p = X.shape
    w = 1 / v
    fit = wls(y, w, X)
    tau2 = max(0.0, (fit.rss - k) / w.sum())
    se = np.sqrt(
        (2 * (k - p) + 4 * tau2 * fit.tr_pe() + 2 * tau2**2 * fit.tr_pepf()) / w.sum() ** 2
    )
    return Tau2Estimate(tau2, float(se))


def _sj(y, v, X) -> Tau2Estimate:
    """Sidik & Jonkman (2005) estimator, started from the variance of the outcomes."""
    k, p = X.shape
    tau2_0 = float(np.mean((y - y.mean()) ** 2))
    fit = wls(y, 1 / (v + tau2_0), X)
    tau2 = max(0.0, tau2_0 * fit.rss / (k - p))
    se = np.sqrt(
        tau2_0**2
        / (k - p) ** 2
        * (2 * fit.tr_pepf(v, v) + 4 * tau2 * fit.tr_pepf(v, 1.0) + 2 * tau2**2 * fit.tr_pepf())
    )
    return Tau2Estimate(tau2, float(se))


def _generalised_q(tau2: float, y, v, X) -> float:
    return wls(y, 1 / (v + tau2), X).rss


def _pm(y, v, X) -> Tau2Estimate:
    """Paule & Mandel (1982): the tau^2 at which the generalised Q equals k - p.

    The generalised Q decreases in tau^2, so the root is unique; it is bracketed and
    found with Brent's method.
    """
    k, p = X.shape
    target = k - p
    if _generalised_q(0.0, y, v, X) < target:
        return _pm_like(0.0, y, v, X, iterations=0)
    upper = _upper_bound(y)
    expansions = 0
    while _generalised_q(upper, y, v, X) > target:
        upper *= 10
        expansions += 1
        if expansions > 30:
            raise ConvergenceError("Paule-Mandel: could not bracket tau^2")
    root, info = brentq(
        lambda t: _generalised_q(t, y, v, X) - target,
        0.0,
        upper,
        xtol=1e-14,
        rtol=1e-14,
        maxiter=MAXITER,
        full_output=True,
        disp=False,
    )
    if not info.converged:
        raise ConvergenceError("Paule-Mandel: root finding did not converge")
    return _pm_like(float(root), y, v, X, iterations=info.iterations)


def _pm_like(tau2, y, v, X, iterations) -> Tau2Estimate:
    k, p = X.shape
    w = 1 / (v + tau2)
    se = np.sqrt(2 * k**2 / (k - p) / w.sum() ** 2)
    return Tau2Estimate(tau2, float(se), True, iterations)


def _log_lik(tau2, y, v, X, reml: bool) -> float:
    k, p = X.shape
    fit = wls(y, 1 / (v + tau2), X)
    ll = -0.5 * np.sum(np.log(v + tau2)) - 0.5 * fit.rss
    if reml:
        ll -= 0.5 * np.linalg.slogdet(np.linalg.inv(fit.A))[1]
    return float(ll)


def _score(tau2: float, y, v, X, method: str) -> float:
    """Twice the derivative of the (restricted) log-likelihood in tau^2, or EB's equation."""
    k, p = X.shape
    w = 1 / (v + tau2)
    fit = wls(y, w, X)
    if method == "ML":
        return fit.rss_pp - w.sum()
    if method == "REML":
        return fit.rss_pp - fit.tr_pe()
    return fit.rss * k / (k - p) - k


def _upper_bound(y) -> float:
    med = np.median(y)
    return max(100.0, 10 * (1.4826 * np.median(np.abs(y - med))) ** 2)


def _fisher_steps(y, v, X, method: str) -> tuple[float | None, int]:
    """metafor's Fisher scoring; ``None`` when it has not settled within MAXITER."""
    k, p = X.shape
    tau2 = max(0.0, _he_raw(y, v, X)[0])
    for iteration in range(1, MAXITER + 1):
        w = 1 / (v + tau2)
        fit = wls(y, w, X)
        if method == "ML":
            adj = (fit.rss_pp - w.sum()) / np.sum(w**2)
        elif method == "REML":
            adj = (fit.rss_pp - fit.tr_pe()) / fit.tr_pepf()
        else:
            adj = (fit.rss * k / (k - p) - k) / w.sum()
        if not np.isfinite(adj):
            return None, iteration
        new = max(0.0, tau2 + adj)
        change = abs(new - tau2)
        tau2 = new
        if change <= THRESHOLD * max(1.0, tau2):
            return tau2, iteration
    return None, MAXITER


def _safeguarded(y, v, X, method: str) -> tuple[float, int]:
    """Global search on a grid, then Brent's method on the score near the best point.

    Used when Fisher scoring oscillates (it can, for example with one very precise
    outlying study); metafor stops with an error there.
    """
    upper = _upper_bound(y)
    for _ in range(30):
        if _score(upper, y, v, X, method) < 0:
            break
        upper *= 10
    else:
        raise ConvergenceError(f"{method}: could not bracket tau^2")
    grid = np.concatenate([[0.0], np.geomspace(upper * 1e-12, upper, 600)])
    if method == "EB":
        # EB's equation decreases in tau^2, like Paule-Mandel's: one root or none.
        values = np.array([_score(t2, y, v, X, method) for t2 in grid])
        objective = -np.abs(values)
    else:
        reml = method == "REML"
        objective = np.array([_log_lik(t2, y, v, X, reml) for t2 in grid])
    j = int(np.argmax(objective))
    if j == 0 and _score(0.0, y, v, X, method) <= 0:
        return 0.0, grid.size
    lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, grid.size - 1)]
    f_lo, f_hi = _score(lo, y, v, X, method), _score(hi, y, v, X, method)
    if not (f_lo >= 0 >= f_hi):
        raise ConvergenceError(f"{method}: no root of the estimating equation near the maximum")
    root, info = brentq(
        lambda t2: _score(t2, y, v, X, method),
        lo,
        hi,
        xtol=1e-15,
        rtol=1e-14,
        maxiter=MAXITER,
        full_output=True,
        disp=False,
    )
    if not info.converged:
        raise ConvergenceError(f"{method}: root finding did not converge")
    return float(root), grid.size + info.iterations


def _fisher_scoring(y, v, X, method: str) -> Tau2Estimate:
    """ML, REML and empirical Bayes by Fisher scoring, started at the HE estimate.

    A step that would cross zero is projected onto the boundary instead of metafor's
    step halving, so a boundary solution comes out as exactly zero. If the iteration
    does not settle, a safeguarded search (grid over tau^2 for the global maximum of the
    likelihood, then Brent's method on the score) takes over; if that fails too,
    ``ConvergenceError`` is raised.

    References
    ----------
    Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in
    the random-effects model. Journal of Educational and Behavioral Statistics, 30(3),
    261-293.
    Morris, C. N. (1983). Parametric empirical Bayes inference: theory and applications.
    Journal of the American Statistical Association, 78(381), 47-55.
    """
    k, p = X.shape
    tau2, iterations = _fisher_steps(y, v, X, method)
    if tau2 is None:
        tau2, extra = _safeguarded(y, v, X, method)
        iterations += extra

    if method in ("ML", "REML") and tau2 > 0:
        # metafor's ll0check: Fisher scoring can stall at a local maximum below the
        # likelihood at tau^2 = 0.
        reml = method == "REML"
        if _log_lik(0.0, y, v, X, reml) - _log_lik(tau2, y, v, X, reml) > 1e-8:
            tau2 = 0.0

    w = 1 / (v + tau2)
    if method == "ML":
        se = np.sqrt(2 / np.sum(w**2))
    elif method == "REML":
        se = np.sqrt(2 / wls(y, w, X).tr_pepf())
    else:
        se = np.sqrt(2 * k**2 / (k - p) / w.sum() ** 2)
    return Tau2Estimate(tau2, float(se), True, iterations)


def estimate_tau2(method: str, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> Tau2Estimate:
    """Estimate tau^2 with ``method`` (one of ``RE_METHODS``).

    References
    ----------
    DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. Controlled
    Clinical Trials, 7(3), 177-188.
    Hedges, L. V. (1983). A random effects model for effect sizes. Psychological
    Bulletin, 93(2), 388-395.
    Hunter, J. E., & Schmidt, F. L. (2004). Methods of meta-analysis: correcting error
    and bias in research findings (2nd ed.). Sage.
    Sidik, K., & Jonkman, J. N. (2005). Simple heterogeneity variance estimation for
    meta-analysis. Journal of the Royal Statistical Society C, 54(2), 367-384.
    Paule, R. C., & Mandel, J. (1982). Consensus values and weighting factors. Journal
    of Research of the National Bureau of Standards, 87(5), 377-385.
    Raudenbush, S. W. (2009). Analyzing effect sizes: random-effects models. In H.
    Cooper, L. V. Hedges, & J. C. Valentine (Eds.), The handbook of research synthesis
    and meta-analysis (2nd ed., pp. 295-315). Russell Sage Foundation.
    """
    yc = y - y.mean()
    if method == "DL":
        return _dl(yc, v, X)
    if method == "HE":
        return _he(yc, v, X)
    if method == "HS":
        return _hs(yc, v, X)
    if method == "SJ":
        return _sj(yc, v, X)
    if method == "PM":
        return _pm(yc, v, X)
    if method in ("ML", "REML", "EB"):
        return _fisher_scoring(yc, v, X, method)
    raise ValueError(f"unknown method {method!r}")
