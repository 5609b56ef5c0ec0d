"""Cumulative meta-analysis: the model refitted as studies are added one at a time
(metafor's ``cumul.rma.uni``).

Refitting k models one by one costs O(k^2) study-level operations, which at k = 10,000
is 50 million: a Python loop of ``rma`` calls takes minutes. Here every prefix is
fitted at once. The sums a fit needs over a prefix at its own tau^2
(``sum_j<=i 1/(v_j + tau2_i)^m y_j^a``) come from cumulative sums through a series
expansion (see ``PrefixSums``); tau^2 comes from prefix sums for the closed-form
estimators, and from Fisher scoring (Newton's method for Paule-Mandel) run on all
prefixes together for the iterative ones. A prefix whose iteration has not settled is
finished on its own by Brent's method, and metafor's check that the likelihood at
tau^2 = 0 is not higher is applied where it can matter. The data are scaled as for
``rma``'s estimators; a prefix whose sums still leave double precision, every prefix
when a study has vi = 0, and every prefix of a fit with ``control={"maxiter": ...}`` are
fitted one by one by ``rma``'s own code.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import chdtrc, ndtr, ndtri, stdtr, stdtrit

from .estimators import FE_METHODS, Control, data_scale
from .model import _fit, alpha_from_level
from .prediction_interval import prediction_bounds_array
from .prefix_sums import PrefixSums
from .results import RmaResult, Transformed
from .transforms import back_transform, transform_name

__all__ = ["CumulResult", "cumul"]

_MAXITER = 100
_RTOL = 1e-13


@dataclass(frozen=True, eq=False)
class CumulResult:
    """Row i is the fit to the first i + 1 studies in ``order``.

    ``estimate`` ... ``ci_ub`` describe the pooled effect (``zval`` is a t value when
    ``test="knha"``); ``tau2`` is 0 throughout for a fixed-effect model; ``I2`` is a
    percentage. ``order`` holds the study indices in the order they were added, ``slab``
    their labels. ``converged`` is False for a row whose fit failed (its values NaN, as
    metafor's NA). ``pi_lb``/``pi_ub`` are each row's prediction interval under the fit's
    ``pi_type`` (as ``rma``'s: z, t on k - 1 df, or t on k - 2 df, NaN where its df are
    below 1), as R meta's ``metacum`` reports them; metafor's ``cumul`` has none.
    """

    estimate: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    Q: np.ndarray
    Q_p: np.ndarray
    tau2: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    k: np.ndarray
    order: np.ndarray
    converged: np.ndarray
    level: float
    model: str
    test: str
    measure: str | None = None
    slab: tuple[str, ...] | None = None
    ni: np.ndarray | None = None
    pi_lb: np.ndarray | None = None
    pi_ub: np.ndarray | None = None
    pi_type: str = "z"

    def __len__(self) -> int:
        return self.estimate.size

    def transformed(self) -> list[Transformed]:
        """Each row's estimate and interval on the natural scale of the measure."""
        name = transform_name(self.measure)
        est, lb, ub = (
            back_transform(self.measure, a, ni=self.ni)
            for a in (self.estimate, self.ci_lb, self.ci_ub)
        )
        return [
            Transformed(float(e), float(a), float(b), float(a), float(b), transform=name)
            for e, a, b in zip(est, lb, ub, strict=True)
        ]


def _order(order, k: int, decreasing: bool) -> np.ndarray:
    """Indices sorting the studies by ``order`` (ties kept in place), as R's ``order``."""
    if order is None:
        return np.arange(k)
    key = np.asarray(order)
    if key.ndim != 1 or key.size != k:
        raise ValueError(f"'order' has {key.size} values but the model has {k} studies")
    if key.dtype.kind == "f" and not np.all(np.isfinite(key)):
        raise ValueError("'order' must not contain missing values")
    _, ranks = np.unique(key, return_inverse=True)
    return np.argsort(-ranks if decreasing else ranks, kind="stable")


def _closed_form(method: str, P: PrefixSums, tau2_init: float | None = None) -> np.ndarray:
    n = P.n
    df = np.maximum(n - 1, 1)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if method == "DL":
            tau2 = (P.q_fe - (n - 1)) / (P.s1_fe - P.s2_over_s1)
        elif method == "HE":
            tau2 = (P.rss_unweighted - P.sum_v * (1 - 1 / n)) / df
        elif method == "HS":
            tau2 = (P.q_fe - n) / P.s1_fe
        else:  # SJ, started from the variance of the outcomes
            t0 = P.rss_unweighted / n if tau2_init is None else np.full(n.size, tau2_init)
            m = P.moments(t0, np.arange(n.size), 1)
            rss = m[:, 0, 2] - m[:, 0, 1] ** 2 / m[:, 0, 0]
            tau2 = t0 * np.maximum(rss, 0.0) / df
    # NaN where the sums left double precision: those prefixes are refitted by rma
    tau2 = np.where(np.isfinite(tau2), np.maximum(tau2, 0.0), np.nan)
    tau2[0] = 0.0
    return tau2


def _iterative(method: str, P: PrefixSums, control) -> np.ndarray:
    """tau^2 of every prefix by Fisher scoring (ML, REML, EB; Newton's method for PM),
    all prefixes together, with Newton steps once a prefix is near its root; a prefix
    that has not settled after ``_MAXITER`` steps is finished on its own by Brent's
    method."""
    k = P.n.size
    n = P.n
    powers = {"ML": 3, "REML": 3, "EB": 2, "PM": 2}[method]
    if method == "PM":
        tau2 = np.zeros(k)
    else:
        # metafor's starting value, the Hedges estimate: where the likelihood has a
        # local maximum at 0 and another inside, the start decides which is found,
        # and each prefix must come out as rma (and metafor) fit it.
        tau2 = _closed_form("HE", P) if control.tau2_init is None else np.full(k, control.tau2_init)
    done = np.zeros(k, dtype=bool)
    done[0], tau2[0] = True, 0.0  # one study: tau^2 = 0
    if method == "PM":
        done |= P.q_fe <= n - 1  # the generalised Q is below its expectation at 0
    for _ in range(_MAXITER):
        rows = np.flatnonzero(~done)
        if rows.size == 0:
            break
        t = tau2[rows]
        m = P.moments(t, rows, powers)
        s1, t1, u1 = m[:, 0, 0], m[:, 0, 1], m[:, 0, 2]
        s2, t2, u2 = m[:, 1, 0], m[:, 1, 1], m[:, 1, 2]
        nr = n[rows]
        # non-finite steps (overflowing sums) are caught below as "bad"
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            beta = t1 / s1
            rss = u1 - 2 * beta * t1 + beta**2 * s1  # y'Py
            rss_pp = u2 - 2 * beta * t2 + beta**2 * s2  # y'PPy
            if method in ("ML", "REML"):
                s3, t3, u3 = m[:, 2, 0], m[:, 2, 1], m[:, 2, 2]
                # y'PPPy = sum(w^3 r^2) - (sum(w^2 r))^2 / sum(w), r = y - beta
                rss_ppp = u3 - 2 * beta * t3 + beta**2 * s3 - (t2 - beta * s2) ** 2 / s1
            if method == "ML":
                score, info, slope = rss_pp - s1, s2, -2 * rss_ppp + s2
            elif method == "REML":
                tr_pp = s2 - 2 * s3 / s1 + (s2 / s1) ** 2
                score, info, slope = rss_pp - (s1 - s2 / s1), tr_pp, -2 * rss_ppp + tr_pp
            elif method == "EB":
                score, info = rss * nr / (nr - 1) - nr, s1
                slope = -rss_pp * nr / (nr - 1)
            else:
                score, info, slope = rss - (nr - 1), rss_pp, -rss_pp
            adj = score / info * (1.0 if method == "PM" else control.step_adj)
            # Near a root, Newton's step reaches the root Fisher scoring is heading
            # for, quadratically instead of linearly.
            near = (np.abs(adj) <= 1e-2 * t) & (slope < 0)
            adj = np.where(near, -score / slope, adj)
        new = np.maximum(t + adj, 0.0)
        bad = ~np.isfinite(new)
        new[bad] = 0.0
        settled = np.abs(new - tau2[rows]) <= _RTOL * new
        tau2[rows] = new
        done[rows[settled | bad]] = True
        if bad.any():
            tau2[rows[bad]] = np.nan
    unsettled = ~done | np.isnan(tau2)
    unsettled[0] = False
    for i in np.flatnonzero(unsettled):
        guess = tau2[i] if np.isfinite(tau2[i]) else 0.0
        tau2[i] = _polish(method, guess, P.y[: i + 1], P.v[: i + 1])
    if method in ("ML", "REML"):
        # metafor's ll0check: where the score at tau^2 = 0 is not positive, tau^2 = 0 is
        # a local maximum too and may beat the root found.
        s1, s2 = P.s1_fe, P.s2_fe
        s1y, s2y = P.plain[0, :, 1], P.plain[1, :, 1]
        s2yy = P.plain[1, :, 2]
        with np.errstate(over="ignore", invalid="ignore"):
            beta0 = s1y / s1
            rss_pp0 = s2yy - 2 * beta0 * s2y + beta0**2 * s2
            score0 = rss_pp0 - (s1 if method == "ML" else s1 - s2 / s1)
        reml = method == "REML"
        for i in np.flatnonzero((tau2 > 0) & (score0 <= 0)):
            y, v = P.y[: i + 1], P.v[: i + 1]
            if _row_loglik(0.0, y, v, reml) - _row_loglik(tau2[i], y, v, reml) > 1e-8:
                tau2[i] = 0.0
    return tau2


def _row_score(method: str, t: float, y, v) -> float:
    """The estimating equation of one prefix; positive below the root."""
    n = y.size
    w = 1 / (v + t)
    s1 = w.sum()
    r = y - np.dot(w, y) / s1
    if method == "PM":
        return float(np.dot(w, r * r) - (n - 1))
    if method == "EB":
        return float(np.dot(w, r * r) * n / (n - 1) - n)
    rss_pp = float(np.dot(w * w, r * r))
    if method == "ML":
        return rss_pp - s1
    return rss_pp - (s1 - np.dot(w, w) / s1)


def _row_loglik(t: float, y, v, reml: bool) -> float:
    w = 1 / (v + t)
    s1 = w.sum()
    r = y - np.dot(w, y) / s1
    ll = -0.5 * np.sum(np.log(v + t)) - 0.5 * np.dot(w, r * r)
    return float(ll - 0.5 * np.log(s1) if reml else ll)


def _polish(method: str, guess: float, y, v) -> float:
    """Root of one prefix's estimating equation by Brent's method, bracketed around
    ``guess``; for a prefix where the joint iteration has not settled. NaN if no
    bracket is found (the row is then reported as not converged)."""

    def f(t):
        return _row_score(method, t, y, v)

    with np.errstate(all="ignore"):
        try:
            return _bracketed_root(f, method, guess, v)
        except ValueError:  # a non-finite score: beyond double precision
            return np.nan


def _bracketed_root(f, method: str, guess: float, v) -> float:
    if not np.isfinite(f(0.0)):
        return np.nan
    if f(0.0) <= 0 and (method in ("PM", "EB") or guess == 0):
        return 0.0
    lo = guess / 2 if guess > 0 else 0.0
    while lo > 0 and f(lo) <= 0:
        lo = lo / 10 if lo > 1e-300 else 0.0
    if f(lo) <= 0:
        return 0.0
    hi = max(2 * guess, 10 * float(np.max(v)), 1e-300)
    for _ in range(200):
        if f(hi) < 0:
            break
        hi *= 10
    else:
        return np.nan
    return float(brentq(f, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=1000))


def _summaries(tau2, P: PrefixSums, fixed: bool, test: str, alpha: float, centre) -> dict:
    k = P.n.size
    n = P.n
    m = P.moments(tau2, np.arange(k), 1)
    s1, t1, u1 = m[:, 0, 0], m[:, 0, 1], m[:, 0, 2]
    beta = t1 / s1 + centre
    var = 1 / s1
    df_knha = n - 1
    if test == "knha":
        rss = u1 - t1**2 / s1
        with np.errstate(divide="ignore", invalid="ignore"):
            s2w = np.where(rss <= np.finfo(float).eps, 0.0, rss / df_knha)
        s2w[0] = 1.0  # one study: metafor falls back to the z test
        var = var * s2w
    se = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = beta / se
    if test == "knha":
        df = np.maximum(df_knha, 1)
        pval = 2 * stdtr(df, -np.abs(zval))
        crit = -stdtrit(df, alpha / 2)
        pval[0] = 2 * ndtr(-abs(zval[0]))
        crit[0] = -ndtri(alpha / 2)
    else:
        pval = 2 * ndtr(-np.abs(zval))
        crit = np.full(k, -ndtri(alpha / 2))
    q = P.q_fe.copy()
    q[0] = 0.0
    q_p = chdtrc(np.maximum(n - 1, 1), q)
    q_p[0] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        if fixed:
            i2 = np.where(q > 0, np.maximum(0.0, 100 * (q - (n - 1)) / q), 0.0)
            h2 = q / (n - 1)
        else:
            typical = (n - 1) / (P.s1_fe - P.s2_over_s1)
            i2 = 100 * tau2 / (typical + tau2)
            h2 = tau2 / typical + 1
    i2[0], h2[0] = 0.0, 1.0
    return {
        "estimate": beta,
        "se": se,
        "zval": zval,
        "pval": pval,
        "ci_lb": beta - crit * se,
        "ci_ub": beta + crit * se,
        "Q": q,
        "Q_p": q_p,
        "tau2": tau2,
        "I2": i2,
        "H2": h2,
    }


def cumul(res: RmaResult, order=None, *, decreasing: bool = False) -> CumulResult:
    """Cumulative meta-analysis of an intercept-only fit.

    Parameters
    ----------
    res : RmaResult
        The model to refit; its tau^2 estimator (``res.model``), test and level are kept.
    order : array_like, optional
        A value per study (for example the publication year) by which the studies are
        added, smallest first (ties in their original order); by default the order of
        the data. As metafor 3.8, this is a sort key, not a permutation.
    decreasing : bool
        Add the studies from the largest value of ``order`` down.

    Returns
    -------
    CumulResult

    Raises
    ------
    ValueError
        For a meta-regression (metafor: "only applicable to models without
        moderators"), or an ``order`` of the wrong length.

    References
    ----------
    Lau, J., Antman, E. M., Jimenez-Silva, J., Kupelnick, B., Mosteller, F., &
    Chalmers, T. C. (1992). Cumulative meta-analysis of therapeutic trials for
    myocardial infarction. New England Journal of Medicine, 327(4), 248-254.
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
    Journal of Statistical Software, 36(3), 1-48.
    """
    if not res.int_only:
        raise ValueError("cumul needs a model without moderators (an intercept-only fit)")
    idx = _order(order, res.k, decreasing)
    control = getattr(res, "control", None) or Control()
    if np.any(res.vi == 0) or control.maxiter is not None:
        # A study with vi = 0 has an infinite weight wherever tau^2 = 0, and a cap on the
        # iterations is a property of each fit: refit prefix by prefix, as metafor does.
        return _one_by_one(res, idx, control)
    # As rma's estimators: work on y / sqrt(s) and v / s, so that sums and tolerances are
    # of order one in any units; and centred, which keeps sums of squares small against
    # their differences.
    scale = data_scale(res.yi, res.vi, np.ones((res.k, 1)))
    root = np.sqrt(scale)
    v = res.vi[idx] / scale
    centre = float(np.sum(res.yi[idx] / root / v) / np.sum(1 / v))
    y = res.yi[idx] / root - centre
    model = res.model
    fixed = model in FE_METHODS
    control = control.scaled(scale)
    P = PrefixSums(y, v, powers=3 if model in ("ML", "REML") else 2, anchor=res.tau2 / scale)
    if fixed:
        tau2 = np.zeros(res.k)
    elif model in ("DL", "HE", "HS", "SJ"):
        tau2 = _closed_form(model, P, control.tau2_init)
    else:
        tau2 = _iterative(model, P, control)
    converged = np.isfinite(tau2)
    with np.errstate(over="ignore", invalid="ignore"):
        out = _summaries(
            np.where(converged, tau2, 0.0), P, fixed, res.test, alpha_from_level(res.level), centre
        )
    for name in ("estimate", "se", "ci_lb", "ci_ub"):
        out[name] = out[name] * root
    out["tau2"] = out["tau2"] * scale
    # Where the joint computation failed (sums beyond double precision when the
    # variances span hundreds of decades), rma's own fit of that prefix decides.
    converged &= np.all([np.isfinite(out[name]) for name in _FIELDS], axis=0)
    for i in np.flatnonzero(~converged):
        converged[i] = _refit(out, i, res, idx, getattr(res, "control", None))
    return _result(res, idx, out, converged)


def _result(res: RmaResult, idx, out: dict, converged) -> CumulResult:
    pi_type = res.pi_type or ("t" if res.test == "knha" else "z")
    k = np.arange(1, res.k + 1)
    with np.errstate(invalid="ignore"):
        pi_lb, pi_ub = prediction_bounds_array(
            out["estimate"], out["se"], out["tau2"], k, res.level, pi_type
        )
        if res.test == "knha" and pi_type == "t":
            # One study under Knapp-Hartung: z, as the row's confidence interval and rma.
            pi_lb[:1], pi_ub[:1] = prediction_bounds_array(
                out["estimate"][:1], out["se"][:1], out["tau2"][:1], 1, res.level, "z"
            )
    return CumulResult(
        **out,
        pi_lb=pi_lb,
        pi_ub=pi_ub,
        pi_type=pi_type,
        k=k,
        order=idx,
        converged=converged,
        level=res.level,
        model=res.model,
        test=res.test,
        measure=res.measure,
        slab=None if res.slab is None else tuple(res.slab[i] for i in idx),
        ni=None if res.ni is None else res.ni[idx],
    )


_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_p", "tau2", "I2", "H2")


def _one_by_one(res: RmaResult, idx, control) -> CumulResult:
    """Each prefix fitted by ``rma``'s own code; a prefix it refuses is a NaN row with
    ``converged`` False (metafor's NA)."""
    out = {name: np.full(res.k, np.nan) for name in _FIELDS}
    converged = np.array([_refit(out, i, res, idx, control) for i in range(res.k)], dtype=bool)
    return _result(res, idx, out, converged)


def _refit(out: dict, i: int, res: RmaResult, idx, control) -> bool:
    """Fill row i with ``rma``'s fit of the first i + 1 studies; NaN and False if refused."""
    y, v = res.yi[idx[: i + 1]], res.vi[idx[: i + 1]]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            fit = _fit(y, v, np.ones((i + 1, 1)), res.model, res.test, res.level, control=control)
        values = {name: float(getattr(fit, name)) for name in _FIELDS}
    except ValueError:  # ConvergenceError included
        values = {}
    # Q, I^2 and H^2 are NaN by definition when a study has vi = 0 (metafor: NA)
    ok = bool(values) and all(np.isfinite(values[name]) for name in _FIELDS[:6])
    for name in _FIELDS:
        out[name][i] = values[name] if ok else np.nan
    return ok
