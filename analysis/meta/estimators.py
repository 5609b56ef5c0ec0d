"""Estimators of the between-study variance tau^2, as in ``metafor::rma.uni``.

Every estimator works with a design matrix ``X`` (intercept only for a plain
meta-analysis, moderators for a meta-regression). Like metafor, the outcomes are
centred before tau^2 is estimated; with an intercept in ``X`` this changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import brentq

from .errors import ConvergenceError
from .wls import wls

RE_METHODS = ("DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
FE_METHODS = ("FE", "EE")

THRESHOLD = 1e-10
MAXITER = 1000
# Digits of tau^2 below NOISE times the data's scale are rounding error in double
# precision (the score is a sum of O(1) terms): the absolute part of every stopping rule.
NOISE = 64 * np.finfo(float).eps
# Root finding: relative tolerance at double precision, and an absolute one far below any
# tau^2 that could change a weight, so tiny roots keep their relative accuracy.
RTOL = 4 * np.finfo(float).eps
XTOL = 1e-30
CONTROL_KEYS = ("threshold", "maxiter", "tau2_init", "step_adj")
METAFOR_SPELLING = {"tau2.init": "tau2_init", "stepadj": "step_adj"}
# metafor refuses these estimators when a sampling variance is 0: their weights are 1/v.
NEED_POSITIVE_VI = ("FE", "EE", "DL", "HS", "PM")


@dataclass(frozen=True)
class Control:
    """Settings of the iterative estimators, with the meaning of metafor's ``control``.

    ``threshold``: Fisher scoring (ML, REML, EB) stops when a step changes tau^2 by less
    than ``threshold`` times tau^2 (metafor compares the change with the threshold
    itself, in the units of the data; a relative rule gives the same digits in any
    units). ``maxiter``: the most Fisher-scoring steps, and the most root-finding steps
    for PM and the safeguarded search. ``tau2_init``: the starting value of Fisher
    scoring (default the HE estimate) and SJ's initial estimate (default the variance of
    the outcomes). ``step_adj``: a factor applied to every Fisher-scoring step, below 1
    to damp oscillation.
    """

    threshold: float = THRESHOLD
    maxiter: int | None = None
    tau2_init: float | None = None
    step_adj: float = 1.0

    def iterations(self) -> int:
        # Read at call time so that the module default can be changed in one place.
        return MAXITER if self.maxiter is None else self.maxiter

    def scaled(self, s: float) -> Control:
        """The same settings for data divided by the scale ``s``."""
        if self.tau2_init is None:
            return self
        return replace(self, tau2_init=self.tau2_init / s)


def make_control(control: dict | Control | None) -> Control:
    """Validate a ``control`` mapping; unknown keys and bad values raise ``ValueError``."""
    if control is None:
        return Control()
    if isinstance(control, Control):
        return control
    if not isinstance(control, dict):
        raise ValueError("'control' must be a dict with keys " + ", ".join(CONTROL_KEYS))
    unknown = [key for key in control if key not in CONTROL_KEYS]
    if unknown:
        hints = [
            f"{key!r} (did you mean {METAFOR_SPELLING[key]!r}?)"
            if key in METAFOR_SPELLING
            else repr(key)
            for key in unknown
        ]
        raise ValueError(
            f"unknown control key(s) {', '.join(hints)}; expected {', '.join(CONTROL_KEYS)}"
        )
    values = dict(control)
    for key in ("threshold", "step_adj"):
        if key in values:
            values[key] = _positive_number(key, values[key])
    if values.get("tau2_init") is not None:
        values["tau2_init"] = _positive_number("tau2_init", values["tau2_init"], zero=True)
    if values.get("maxiter") is not None:
        maxiter = values["maxiter"]
        if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
            raise ValueError(f"control 'maxiter' must be a positive integer ({maxiter!r})")
        values["maxiter"] = int(maxiter)
    return Control(**values)


def _positive_number(key: str, value, zero: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"control {key!r} must be a number ({value!r})") from None
    if not np.isfinite(x) or x < 0 or (x == 0 and not zero):
        bound = "non-negative" if zero else "positive"
        raise ValueError(f"control {key!r} must be a finite {bound} number ({value!r})")
    return x


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
    m, tr_pn, tr_ppn = _normalised_traces(y, v, X)
    se = np.sqrt(2 * (k - p) / m / m + 4 * tau2 * tr_pn / m + 2 * tau2**2 * tr_ppn) / tr_pn
    return Tau2Estimate(tau2, float(se))


def _normalised_traces(y, v, X):
    """``m = max(1/v)`` with ``tr(P)/m`` and ``tr(PP)/m^2`` from the weights ``1/(m v)``.

    The standard errors of DL and HS need ``tr(PP)``, of the order of the squared weights;
    in units of the largest weight it cannot overflow when some ``v`` are tiny.
    """
    m = float(np.max(1 / v))
    fit = wls(y, 1 / (m * v), X)
    return m, fit.tr_pe(), fit.tr_pepf()


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
    m, tr_pn, tr_ppn = _normalised_traces(y, v, X)
    se = np.sqrt(2 * (k - p) / m / m + 4 * tau2 * tr_pn / m + 2 * tau2**2 * tr_ppn) / (w.sum() / m)
    return Tau2Estimate(tau2, float(se))


def _sj(y, v, X, control: Control) -> Tau2Estimate:
    """Sidik & Jonkman (2005) estimator, started from the variance of the outcomes."""
    k, p = X.shape
    if control.tau2_init is not None:
        tau2_0 = control.tau2_init
    else:
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


def _ols_variance(y, X) -> float:
    """``RSS / (k - p)`` of the unweighted fit: an upper bound for the Paule-Mandel root.

    The generalised Q at tau^2 is at most the unweighted RSS divided by tau^2 (the
    weighted fit minimises Q, and every ``v_i + tau^2 >= tau^2``), so at this tau^2 it has
    fallen to ``k - p`` or below.
    """
    k, p = X.shape
    return wls(y, np.ones(k), X).rss / (k - p)


def _pm(y, v, X, control: Control) -> Tau2Estimate:
    """Paule & Mandel (1982): the tau^2 at which the generalised Q equals k - p.

    The generalised Q decreases in tau^2, so the root is unique; ``[0, RSS_OLS / (k - p)]``
    brackets it (see ``_ols_variance``) and Brent's method finds it to a relative
    tolerance, so a tau^2 of 1e-20 is found as accurately as one of 1e20.
    """
    k, p = X.shape
    target = k - p
    if _generalised_q(0.0, y, v, X) <= target:
        return _pm_like(0.0, y, v, X, iterations=0)
    upper = _ols_variance(y, X)
    root, info = brentq(
        lambda t: _generalised_q(t, y, v, X) - target,
        0.0,
        upper,
        xtol=XTOL,
        rtol=RTOL,
        maxiter=control.iterations(),
        full_output=True,
        disp=False,
    )
    if not info.converged:
        raise ConvergenceError("Paule-Mandel: root finding did not converge")
    return _pm_like(float(root), y, v, X, iterations=info.iterations)


def _pm_like(tau2, y, v, X, iterations) -> Tau2Estimate:
    k, p = X.shape
    w = 1 / (v + tau2)
    se = np.sqrt(2 * k**2 / (k - p)) / w.sum()
    return Tau2Estimate(tau2, float(se), True, iterations)


def _log_lik(tau2, y, v, X, reml: bool) -> float:
    k, p = X.shape
    fit = wls(y, 1 / (v + tau2), X)
    ll = -0.5 * np.sum(np.log(v + tau2)) - 0.5 * fit.rss
    if reml:
        ll -= 0.5 * np.linalg.slogdet(np.linalg.inv(fit.A))[1]
    return float(ll)


def _normalised_fit(tau2: float, y, v, X):
    """The weighted fit at tau^2 with the weights divided by the largest, ``m``.

    Scores and information are sums of squared weights; in units of ``m`` they stay
    finite when one study's variance is 1e-300 and the rest are of order one.
    """
    w = 1 / (v + tau2)
    m = float(np.max(w))
    return wls(y, w / m, X), m


def _score_and_information(tau2: float, y, v, X, method: str) -> tuple[float, float]:
    """The estimating equation and its expected derivative, both divided by a power of m.

    ML: ``y'PPy - tr(W)`` over ``sum(w^2)``; REML: ``y'PPy - tr(P)`` over ``tr(PP)``; EB:
    ``Q k / (k - p) - k`` over ``sum(w)``. The ratio is the Fisher-scoring step.
    """
    k, p = X.shape
    fit, m = _normalised_fit(tau2, y, v, X)
    if method == "ML":
        return fit.rss_pp - fit.w.sum() / m, float(np.sum(fit.w**2))
    if method == "REML":
        return fit.rss_pp - fit.tr_pe() / m, fit.tr_pepf()
    return fit.rss * k / (k - p) - k / m, float(fit.w.sum())


def _score(tau2: float, y, v, X, method: str) -> float:
    """The estimating equation (twice the derivative of the (restricted) log-likelihood in
    tau^2, or EB's equation) up to a positive factor: same sign and same roots."""
    return _score_and_information(tau2, y, v, X, method)[0]


def _fisher_steps(y, v, X, method: str, control: Control | None = None):
    """metafor's Fisher scoring; ``None`` when it has not settled within ``maxiter``.

    Stops when a step changes tau^2 by at most ``threshold * tau2 + NOISE``: relative to
    tau^2 itself, so the answer has the same number of correct digits at every scale
    (``y`` and ``v`` arrive divided by the data's scale, so ``NOISE`` is a fixed fraction
    of it). A step that would cross zero is projected onto the boundary; when some
    ``v_i = 0`` that boundary has an infinite weight, and the step is halved instead,
    as metafor does.
    """
    control = control or Control()
    has_zero = bool(np.any(v == 0))
    if control.tau2_init is not None:
        tau2 = control.tau2_init
    else:
        tau2 = max(0.0, _he_raw(y, v, X)[0])
    maxiter = control.iterations()
    for iteration in range(1, maxiter + 1):
        if has_zero and tau2 == 0:
            # The weight of a study with v = 0 is infinite here; the caller refuses it.
            return 0.0, iteration
        score, information = _score_and_information(tau2, y, v, X, method)
        if not (information > 0 and np.isfinite(score) and np.isfinite(information)):
            # Underflow at tau^2 = 0 when the variances span ~300 decades.
            return None, iteration
        adj = score / information * control.step_adj
        if has_zero:
            while tau2 + adj <= 0 and adj != 0:
                adj /= 2
            new = tau2 + adj
        else:
            new = max(0.0, tau2 + adj)
        change = abs(new - tau2)
        tau2 = new
        if change <= control.threshold * tau2 + NOISE:
            return tau2, iteration
    return None, maxiter


def _safeguarded(y, v, X, method: str, control: Control | None = None) -> tuple[float, int]:
    """Global search on a grid, then Brent's method on the score near the best point.

    Used when Fisher scoring oscillates (it can, for example with one very precise
    outlying study); metafor stops with an error there. The grid spans twelve decades
    below an upper bound found by expanding from the unweighted residual variance, so
    it moves with the data's scale.
    """
    control = control or Control()
    upper = 10 * max(1.0, _ols_variance(y, X))
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
        xtol=XTOL,
        rtol=RTOL,
        maxiter=control.iterations(),
        full_output=True,
        disp=False,
    )
    if not info.converged:
        raise ConvergenceError(f"{method}: root finding did not converge")
    return float(root), grid.size + info.iterations


def _fisher_scoring(y, v, X, method: str, control: Control | None = None) -> Tau2Estimate:
    """ML, REML and empirical Bayes by Fisher scoring, started at the HE estimate.

    A step that would cross zero is projected onto the boundary instead of metafor's
    step halving, so a boundary solution comes out as exactly zero. If the iteration
    does not settle, a safeguarded search (grid over tau^2 for the global maximum of the
    likelihood, then Brent's method on the score) takes over; if that fails too,
    ``ConvergenceError`` is raised. With a sampling variance of 0 the likelihood is
    unbounded as tau^2 goes to 0, so there is no global maximum to search for: as in
    metafor, only Fisher scoring is tried and the check against tau^2 = 0 is skipped.

    References
    ----------
    Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in
    the random-effects model. Journal of Educational and Behavioral Statistics, 30(3),
    261-293.
    Morris, C. N. (1983). Parametric empirical Bayes inference: theory and applications.
    Journal of the American Statistical Association, 78(381), 47-55.
    """
    control = control or Control()
    k, p = X.shape
    all_positive = bool(np.all(v > 0))
    tau2, iterations = _fisher_steps(y, v, X, method, control)
    if tau2 is None:
        if not all_positive:
            raise ConvergenceError(
                f"{method}: Fisher scoring did not converge, and with a sampling variance "
                "of 0 there is no safeguarded search to fall back on"
            )
        tau2, extra = _safeguarded(y, v, X, method, control)
        iterations += extra
    if tau2 == 0 and not all_positive:
        return Tau2Estimate(0.0, np.nan, True, iterations)

    if method in ("ML", "REML") and tau2 > 0 and all_positive:
        # metafor's ll0check: Fisher scoring can stall at a local maximum below the
        # likelihood at tau^2 = 0.
        reml = method == "REML"
        if _log_lik(0.0, y, v, X, reml) - _log_lik(tau2, y, v, X, reml) > 1e-8:
            tau2 = 0.0

    _, information = _score_and_information(tau2, y, v, X, method)
    m = float(np.max(1 / (v + tau2)))
    if information > 0:
        if method == "EB":
            se = np.sqrt(2 * k**2 / (k - p)) / information / m
        else:
            se = np.sqrt(2 / information) / m
    else:
        se = np.inf
    if not np.isfinite(se):
        raise ValueError(
            f"{method}: the sampling variances range from {np.min(v):.3g} to {np.max(v):.3g} "
            "(relative to their scale), too wide for the standard error of tau^2 in double "
            "precision"
        )
    return Tau2Estimate(tau2, float(se), True, iterations)


def data_scale(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """A variance that becomes ``c^2`` times larger when ``y -> c y`` and ``v -> c^2 v``.

    The larger of the largest sampling variance and the mean squared residual of the
    unweighted fit: the estimators work on ``y / sqrt(s)`` and ``v / s``, so weights,
    traces and tolerances are of order one whatever the units (proportions or
    percentage points, variances of 1e-300 or 1e300).
    """
    k = X.shape[0]
    return max(float(np.max(v)), wls(y, np.ones(k), X).rss / k)


def estimate_tau2(
    method: str, y: np.ndarray, v: np.ndarray, X: np.ndarray, control: Control | None = None
) -> Tau2Estimate:
    """Estimate tau^2 with ``method`` (one of ``RE_METHODS``).

    The estimators see ``y / sqrt(s)`` and ``v / s`` with ``s = data_scale(y, v, X)`` and
    their tau^2 is multiplied back by ``s``: every tolerance, bracket and starting grid is
    thereby relative to the data, and ``tau2(c y, c^2 v) = c^2 tau2(y, v)`` up to rounding.

    A sampling variance of 0 is accepted by HE, SJ, ML, REML and EB, as in metafor; DL, HS
    and PM weight by ``1 / v`` and refuse it.

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
    control = make_control(control)
    zero = np.flatnonzero(v == 0)
    if zero.size and method in NEED_POSITIVE_VI:
        raise ValueError(
            f"study {int(zero[0])}: field 'vi' is 0, which method {method} cannot use "
            "(its weights are 1/vi); use HE, SJ, ML, REML or EB"
        )
    yc = y - y.mean()
    s = data_scale(yc, v, X)
    if s == 0:
        # Identical outcomes, all without sampling error: nothing varies.
        return Tau2Estimate(0.0, np.nan, True, 0)
    est = _estimate(method, yc / np.sqrt(s), v / s, X, control.scaled(s))
    return Tau2Estimate(est.tau2 * s, est.se_tau2 * s, est.converged, est.iterations)


def _estimate(method: str, y, v, X, control: Control) -> Tau2Estimate:
    if method == "DL":
        return _dl(y, v, X)
    if method == "HE":
        return _he(y, v, X)
    if method == "HS":
        return _hs(y, v, X)
    if method == "SJ":
        return _sj(y, v, X, control)
    if method == "PM":
        return _pm(y, v, X, control)
    if method in ("ML", "REML", "EB"):
        return _fisher_scoring(y, v, X, method, control)
    raise ValueError(f"unknown method {method!r}")
