"""Confidence intervals for tau^2, tau, I^2 and H^2 by the Q-profile method
(metafor's ``confint.rma.uni``, ``type="QP"``).

The generalised Q statistic, ``Q(tau2) = sum(w (yi - X beta(tau2))^2)`` with
``w = 1/(vi + tau2)``, follows a chi-square distribution on k - p degrees of freedom at
the true tau^2 and decreases in tau^2. The interval is the set of tau^2 values at which
Q lies between the chi-square quantiles: the lower bound solves ``Q = chi2_{1-a/2}``,
the upper bound ``Q = chi2_{a/2}``. Bounds of I^2 and H^2 follow from those of tau^2
through the "typical" within-study variance, as for the estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import chdtri, ndtri, stdtrit

from .errors import ConvergenceError
from .estimators import FE_METHODS
from .heterogeneity import heterogeneity
from .model import alpha_from_level
from .results import RmaResult
from .wls import wls

__all__ = ["ConfintResult", "Interval", "confint"]

MAXITER = 1000


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval."""

    estimate: float
    ci_lb: float
    ci_ub: float

    def __iter__(self):
        return iter((self.estimate, self.ci_lb, self.ci_ub))


@dataclass(frozen=True)
class ConfintResult:
    """Q-profile intervals for the heterogeneity parameters, and Wald-type intervals
    for the coefficients (``fixed``, one ``Interval`` per coefficient).

    ``lb_sign``/``ub_sign`` are metafor's flags: ``"<"`` when the bound lies below
    ``tau2_min`` (so is reported as ``tau2_min``; only shown when ``tau2_min > 0``, or
    for both bounds when even tau^2 = 0 is inside neither tail), ``">"`` when it lies
    beyond ``tau2_max``; empty otherwise. ``ci_null`` says the whole interval is
    ``{0}``: Q at tau^2 = 0 is already below the lower chi-square quantile.
    ``I2`` is a percentage.
    """

    tau2: Interval
    tau: Interval
    I2: Interval
    H2: Interval
    fixed: tuple[Interval, ...]
    level: float
    lb_sign: str
    ub_sign: str
    ci_null: bool
    tau2_min: float
    tau2_max: float


def _q_profile(tau2: float, y, v, X) -> float:
    return wls(y, 1 / (v + tau2), X).rss


def _solve(target: float, y, v, X, lo: float, hi: float) -> float:
    root, info = brentq(
        lambda t2: _q_profile(t2, y, v, X) - target,
        lo,
        hi,
        xtol=1e-300,
        rtol=4 * np.finfo(float).eps,
        maxiter=MAXITER,
        full_output=True,
        disp=False,
    )
    if not info.converged:
        raise ConvergenceError("confint: the Q-profile search did not converge")
    return float(root)


def confint(
    res: RmaResult,
    level: float | None = None,
    *,
    tau2_min: float | None = None,
    tau2_max: float | None = None,
) -> ConfintResult:
    """Q-profile confidence intervals for tau^2, tau, I^2 and H^2.

    Parameters
    ----------
    res : RmaResult
        A random-effects or mixed-effects fit (any tau^2 estimator).
    level : float, optional
        Confidence level in percent; defaults to the level of ``res``.
    tau2_min, tau2_max : float, optional
        The search interval, as metafor's ``control=list(tau2.min=, tau2.max=)``;
        defaults 0 and ``max(100, 10 tau2)``. A bound beyond it is reported as the end
        of the interval with the sign ``">"``; pass a larger ``tau2_max`` for data on a
        large scale.

    Returns
    -------
    ConfintResult

    Raises
    ------
    ValueError
        For a fixed-effect model, or a fit of one study.
    ConvergenceError
        If the root search does not converge.

    Notes
    -----
    metafor searches with ``uniroot`` to ``tol = .Machine$double.eps^0.25`` (about
    1.2e-4 in tau^2); here the roots are found to machine precision, so bounds agree
    with metafor's to its tolerance, and with ``control=list(tol=1e-15)`` to 1e-8.

    References
    ----------
    Viechtbauer, W. (2007). Confidence intervals for the amount of heterogeneity in
    meta-analysis. Statistics in Medicine, 26(1), 37-52.
    Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a
    meta-analysis. Statistics in Medicine, 21(11), 1539-1558.
    """
    if res.k == 1:
        raise ValueError("confint needs at least 2 studies; the fit has k = 1")
    if res.model in FE_METHODS:
        raise ValueError("confint: a fixed-effect model has no tau^2 to give an interval for")
    level = res.level if level is None else level
    alpha = alpha_from_level(level)
    if np.any(res.vi <= 0):
        raise ValueError("confint: the Q-profile needs every sampling variance to be positive")
    lo = min(0.0, res.tau2) if tau2_min is None else float(tau2_min)
    hi = max(100.0, 10 * res.tau2, 10 * lo) if tau2_max is None else float(tau2_max)
    if not 0 <= lo < hi:
        raise ValueError("confint: need 0 <= tau2_min < tau2_max")

    y, v, X = res.yi, res.vi, res.X
    df = res.k - res.p
    crit_u = float(chdtri(df, alpha / 2))  # upper alpha/2 quantile
    crit_l = float(chdtri(df, 1 - alpha / 2))  # lower alpha/2 quantile
    q_lo, q_hi = _q_profile(lo, y, v, X), _q_profile(hi, y, v, X)
    lb_sign = ub_sign = ""
    ci_null = False

    if q_lo < crit_l:
        ub, lb, lb_sign, ub_sign = lo, lo, "<", "<"
        ci_null = lo <= 0
    elif q_hi > crit_l:
        ub, ub_sign = hi, ">"
    else:
        ub = _solve(crit_l, y, v, X, lo, hi)
    if q_hi > crit_u:
        lb, ub, lb_sign, ub_sign = hi, hi, ">", ">"
    elif q_lo < crit_u:
        lb = lo
        if lo > 0:
            lb_sign = "<"
    else:
        lb = _solve(crit_u, y, v, X, lo, hi)

    typical = heterogeneity(y, v, X, res.tau2, fixed=False).typical_vi
    crit = _coef_crit(res, alpha)
    fixed = tuple(
        Interval(float(b), float(b - crit * s), float(b + crit * s))
        for b, s in zip(res.beta, res.se_beta, strict=True)
    )
    return ConfintResult(
        tau2=Interval(res.tau2, lb, ub),
        tau=Interval(*(float(np.sqrt(t)) for t in (res.tau2, lb, ub))),
        I2=Interval(res.I2, *(100 * t / (typical + t) for t in (lb, ub))),
        H2=Interval(res.H2, *(t / typical + 1 for t in (lb, ub))),
        fixed=fixed,
        level=level,
        lb_sign=lb_sign,
        ub_sign=ub_sign,
        ci_null=ci_null,
        tau2_min=lo,
        tau2_max=hi,
    )


def _coef_crit(res: RmaResult, alpha: float) -> float:
    if res.test == "knha":
        return float(-stdtrit(res.ddf, alpha / 2))
    return float(-ndtri(alpha / 2))
