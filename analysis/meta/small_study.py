"""Tests for funnel-plot asymmetry (small-study effects)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import kendalltau, norm, t

from .effect_sizes import escalc
from .errors import as_study_array, check_non_negative
from .estimators import FE_METHODS
from .model import _fit, alpha_from_level
from .results import RmaResult
from .wls import RankDeficientError, wls

# The exact null distribution costs O(n^3); beyond this the normal approximation is
# indistinguishable for a p-value.
EXACT_KENDALL_MAX_N = 1000
PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")
MSG_TOO_FEW = "{test} needs at least {needed} studies{why} ({k} given)"
MSG_COLLINEAR = (
    "regtest: the predictor {predictor!r} is constant or collinear with the moderators, "
    "so its coefficient cannot be estimated"
)
MSG_ZERO_VI = "study {index}: field 'vi' is 0, which {test} cannot use (it weights by 1/vi)"


@dataclass(frozen=True)
class RegressionTest:
    """A regression test for funnel-plot asymmetry.

    ``statistic`` is z (``ddf`` NaN) or t with ``ddf`` degrees of freedom; ``pval`` is
    two-sided. ``est``, ``ci_lb``, ``ci_ub`` are the "limit estimate" (the intercept: the
    expected effect of a study with infinite precision), when the predictor allows it.
    ``coef`` and ``se`` are the tested coefficient and its standard error.
    """

    name: str
    model: str
    predictor: str
    statistic: float
    ddf: float
    pval: float
    coef: float
    se: float
    k: int
    est: float = np.nan
    ci_lb: float = np.nan
    ci_ub: float = np.nan

    @property
    def zval(self) -> float:
        """metafor's name for ``statistic`` (a t value when ``ddf`` is finite)."""
        return self.statistic


@dataclass(frozen=True)
class RankTest:
    """Begg & Mazumdar's rank correlation test: Kendall's tau and its p-value."""

    tau: float
    pval: float
    exact: bool
    k: int


def _weighted_lm(y, w, X):
    """Weighted least squares with the residual variance estimated (R's ``lm``)."""
    k, p = X.shape
    fit = wls(y, w, X)
    df = k - p
    sigma2 = fit.rss / df
    return fit.beta, np.sqrt(np.diag(fit.A) * sigma2), df


def _predictor(res: RmaResult, predictor: str, ni) -> np.ndarray:
    if predictor == "sei":
        return np.sqrt(res.vi)
    if predictor == "vi":
        return res.vi
    ni = res.ni if ni is None else as_study_array("ni", ni, res.k)
    if ni is None:
        raise ValueError(f"predictor {predictor!r} needs the sample sizes (ni)")
    return {"ni": ni, "ninv": 1 / ni, "sqrtni": np.sqrt(ni), "sqrtninv": 1 / np.sqrt(ni)}[predictor]


def regtest(res: RmaResult, model: str = "rma", predictor: str = "sei", ni=None):
    """Regression test for funnel-plot asymmetry, as ``metafor::regtest``.

    ``model="rma"`` adds the predictor as a moderator to the same kind of model as
    ``res`` (same tau^2 estimator, test and level); ``model="lm"`` is the classical
    weighted regression with multiplicative dispersion (Egger's test when the predictor
    is ``"sei"``). The coefficient of the predictor is tested.

    References
    ----------
    Egger, M., Davey Smith, G., Schneider, M., & Minder, C. (1997). Bias in
    meta-analysis detected by a simple, graphical test. BMJ, 315(7109), 629-634.
    Sterne, J. A. C., & Egger, M. (2005). Regression methods to detect publication and
    other bias in meta-analysis. In H. R. Rothstein, A. J. Sutton, & M. Borenstein
    (Eds.), Publication bias in meta-analysis (pp. 99-110). Wiley.
    """
    if model not in ("rma", "lm"):
        raise ValueError("model must be 'rma' or 'lm'")
    if predictor not in PREDICTORS:
        raise ValueError(f"unknown predictor {predictor!r}")
    X = np.column_stack([res.X, _predictor(res, predictor, ni)])
    p = res.p
    # As metafor: the predictor is one more coefficient, and a random-effects model needs
    # one study more than it has coefficients; the lm version needs a residual df.
    fixed = model == "rma" and res.model in FE_METHODS
    needed = X.shape[1] + (0 if fixed else 1)
    if res.k < needed:
        why = (
            " with a fixed-effect model"
            if fixed
            else (" with a random-effects model" if model == "rma" else " for model='lm'")
        )
        raise ValueError(MSG_TOO_FEW.format(test="regtest", needed=needed, why=why, k=res.k))
    if model == "lm":
        zero = np.flatnonzero(res.vi == 0)
        if zero.size:
            raise ValueError(MSG_ZERO_VI.format(index=int(zero[0]), test="regtest(model='lm')"))
    has_limit = predictor in ("sei", "vi", "ninv", "sqrtninv") and res.int_only
    try:
        return _regtest(res, X, p, model, predictor, has_limit)
    except RankDeficientError:
        raise ValueError(MSG_COLLINEAR.format(predictor=predictor)) from None


def _regtest(res, X, p, model, predictor, has_limit) -> RegressionTest:
    if model == "rma":
        fit = _fit(
            res.yi,
            res.vi,
            X,
            res.model,
            res.test,
            res.level,
            intercept=res.intercept,
            control=res.control,
        )
        stat, pval = float(fit.zval_beta[p]), float(fit.pval_beta[p])
        coef, se = float(fit.beta[p]), float(fit.se_beta[p])
        ddf = fit.ddf
        limit = (fit.estimate, fit.ci_lb, fit.ci_ub) if has_limit else (np.nan,) * 3
    else:
        beta, se_b, df = _weighted_lm(res.yi, 1 / res.vi, X)
        coef, se = float(beta[p]), float(se_b[p])
        stat = coef / se
        pval = float(2 * t.sf(abs(stat), df))
        ddf = float(df)
        if has_limit:
            crit = t.isf(alpha_from_level(res.level) / 2, df)
            limit = (beta[0], beta[0] - crit * se_b[0], beta[0] + crit * se_b[0])
        else:
            limit = (np.nan,) * 3
    return RegressionTest(
        name="Egger" if predictor == "sei" else "regression",
        model=model,
        predictor=predictor,
        statistic=float(stat),
        ddf=float(ddf),
        pval=pval,
        coef=coef,
        se=se,
        k=res.k,
        est=float(limit[0]),
        ci_lb=float(limit[1]),
        ci_ub=float(limit[2]),
    )


def _kendall_cdf(q: int, n: int) -> float:
    """P(number of concordant pairs <= q) under independence, no ties.

    The count of permutations of n items with a given number of inversions (Mahonian
    numbers) by the usual recursion, kept as probabilities to avoid overflow.
    """
    dist = np.array([1.0])
    for m in range(2, n + 1):
        cum = np.concatenate([[0.0], np.cumsum(dist)])
        size = dist.size + m - 1
        idx = np.arange(size)
        hi = np.minimum(idx, dist.size - 1) + 1
        lo = np.maximum(idx - m + 1, 0)
        dist = (cum[hi] - cum[lo]) / m
    return float(np.sum(dist[: q + 1])) if q >= 0 else 0.0


def _tie_sizes(a):
    _, counts = np.unique(a, return_counts=True)
    return counts[counts > 1].astype(float)


def kendall_test(x, y, exact: bool = True) -> tuple[float, float, bool]:
    """Kendall's tau-b with R's ``cor.test`` p-value (exact without ties, else normal)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = x.size
    tau = float(kendalltau(x, y).statistic)
    if not np.isfinite(tau):
        # One variable is constant: Kendall's tau is undefined (R returns NA).
        return np.nan, np.nan, False
    ties = np.unique(x).size < n or np.unique(y).size < n
    if exact and not ties and n <= EXACT_KENDALL_MAX_N:
        q = int(np.round((tau + 1) * n * (n - 1) / 4))
        if q > n * (n - 1) / 4:
            pv = 1 - _kendall_cdf(q - 1, n)
        else:
            pv = _kendall_cdf(q, n)
        return tau, min(2 * pv, 1.0), True
    tx, ty = _tie_sizes(x), _tie_sizes(y)
    t0 = n * (n - 1) / 2
    t1 = np.sum(tx * (tx - 1)) / 2
    t2 = np.sum(ty * (ty - 1)) / 2
    s = tau * np.sqrt((t0 - t1) * (t0 - t2))
    v0 = n * (n - 1) * (2 * n + 5)
    vt = np.sum(tx * (tx - 1) * (2 * tx + 5))
    vu = np.sum(ty * (ty - 1) * (2 * ty + 5))
    v1 = np.sum(tx * (tx - 1)) * np.sum(ty * (ty - 1))
    v2 = np.sum(tx * (tx - 1) * (tx - 2)) * np.sum(ty * (ty - 1) * (ty - 2))
    var_s = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2))
    z = s / np.sqrt(var_s)
    return tau, float(2 * min(norm.cdf(z), norm.sf(z))), False


def ranktest(res: RmaResult, exact: bool = True) -> RankTest:
    """Begg & Mazumdar's rank correlation test, as ``metafor::ranktest``.

    Kendall's tau between the standardised deviations from the fixed-effect estimate,
    ``(y_i - theta) / sqrt(v_i - 1/sum(w))``, and the variances. The p-value is exact
    (as R's ``cor.test``) when there are no ties, otherwise from the normal
    approximation with the tie-corrected variance.

    References
    ----------
    Begg, C. B., & Mazumdar, M. (1994). Operating characteristics of a rank correlation
    test for publication bias. Biometrics, 50(4), 1088-1101.
    Kendall, M. G. (1938). A new measure of rank correlation. Biometrika, 30(1/2), 81-93.
    """
    y, v = res.yi, res.vi
    if res.k < 2:
        raise ValueError(MSG_TOO_FEW.format(test="ranktest", needed=2, why="", k=res.k))
    zero = np.flatnonzero(v == 0)
    if zero.size:
        raise ValueError(MSG_ZERO_VI.format(index=int(zero[0]), test="ranktest"))
    # In units of the largest variance, so that weights of 1e300 do not overflow the sum.
    s = float(np.max(v))
    w = s / v
    total = np.sum(w)
    theta = np.sum(w * y) / total
    # v - 1/sum(w) = (sum(w) - w) / (w sum(w)); for the largest weight the difference is
    # summed directly, since it may be 1e-16 of the total.
    others = total - w
    i = int(np.argmax(w))
    others[i] = np.sum(np.delete(w, i))
    var_dev = v * (others / total)
    if not np.all(var_dev > 0):
        raise ValueError(
            "ranktest: one study's weight exceeds the others' by more than double precision "
            f"can resolve (sampling variances from {np.min(v):.3g} to {np.max(v):.3g})"
        )
    ystar = (y - theta) / np.sqrt(var_dev)
    tau, pval, used_exact = kendall_test(ystar, v, exact)
    if not np.isfinite(tau):
        what = "sampling variances" if np.ptp(v) == 0 else "standardised effects"
        raise ValueError(f"ranktest: Kendall's tau is undefined because the {what} are all equal")
    return RankTest(tau=float(tau), pval=float(pval), exact=used_exact, k=res.k)


def _two_by_two(ai, bi, ci, di):
    a = as_study_array("ai", ai)
    k = a.shape[0]
    b, c, d = (as_study_array(n, x, k) for n, x in (("bi", bi), ("ci", ci), ("di", di)))
    for name, arr in (("ai", a), ("bi", b), ("ci", c), ("di", d)):
        check_non_negative(name, arr)
    return a, b, c, d


def _ols_intercept_test(y, x, name, predictor, k_all):
    if x.size < 3:
        raise ValueError(f"{name} test needs at least three informative studies")
    X = np.column_stack([np.ones_like(x), x])
    beta, se, df = _weighted_lm(y, np.ones_like(x), X)
    stat = beta[0] / se[0]
    return RegressionTest(
        name=name,
        model="lm",
        predictor=predictor,
        statistic=float(stat),
        ddf=float(df),
        pval=float(2 * t.sf(abs(stat), df)),
        coef=float(beta[0]),
        se=float(se[0]),
        k=k_all,
    )


def harbord(ai, bi, ci, di) -> RegressionTest:
    """Harbord's modified test for small-study effects in 2x2 data.

    For each study the efficient score ``Z = a - n1 m1 / N`` and its null variance
    ``V = n1 n2 m1 m2 / (N^2 (N - 1))`` (m1, m2 the numbers with and without the event)
    are formed; ``Z / sqrt(V)`` is regressed on ``sqrt(V)`` by ordinary least squares
    and the intercept is tested with a t test on k - 2 df. Studies with ``V = 0`` (no
    events or only events) carry no information and are left out; ``k`` counts the
    studies used. Unlike Egger's test this avoids the correlation between log odds
    ratios and their standard errors.

    References
    ----------
    Harbord, R. M., Egger, M., & Sterne, J. A. C. (2006). A modified test for
    small-study effects in meta-analyses of controlled trials with binary endpoints.
    Statistics in Medicine, 25(20), 3443-3457.
    """
    a, b, c, d = _two_by_two(ai, bi, ci, di)
    n1, n2 = a + b, c + d
    n = n1 + n2
    m1, m2 = a + c, b + d
    with np.errstate(divide="ignore", invalid="ignore"):
        z = a - n1 * m1 / n
        var = n1 * n2 * m1 * m2 / (n**2 * (n - 1))
    keep = var > 0
    sv = np.sqrt(var[keep])
    return _ols_intercept_test(z[keep] / sv, sv, "Harbord", "sqrtV", int(keep.sum()))


def peters(ai, bi, ci, di, add: float = 0.5, to: str = "only0") -> RegressionTest:
    """Peters' regression test for small-study effects in 2x2 data.

    The log odds ratio (``escalc("OR")`` with its continuity correction) is regressed
    on 1/N, N the total sample size, by weighted least squares with weights
    ``1 / (1/(a + c) + 1/(b + d))`` (the inverse variance of a log odds ratio computed
    from the margins, so weights do not depend on the effect); the slope is tested with
    a t test on k - 2 df. Studies with no events or no non-events in both groups are
    left out. Equivalent to ``metafor::regtest(yi, vi=1/w, ni=N, model="lm",
    predictor="ninv")``.

    References
    ----------
    Peters, J. L., Sutton, A. J., Jones, D. R., Abrams, K. R., & Rushton, L. (2006).
    Comparison of two methods to detect publication bias in meta-analysis. JAMA,
    295(6), 676-680.
    """
    a, b, c, d = _two_by_two(ai, bi, ci, di)
    keep = (a + c > 0) & (b + d > 0)
    es = escalc("OR", ai=a[keep], bi=b[keep], ci=c[keep], di=d[keep], add=add, to=to)
    n = (a + b + c + d)[keep]
    w = 1 / (1 / (a + c)[keep] + 1 / (b + d)[keep])
    X = np.column_stack([np.ones(n.size), 1 / n])
    if n.size < 3:
        raise ValueError("Peters test needs at least three informative studies")
    beta, se, df = _weighted_lm(es.yi, w, X)
    stat = beta[1] / se[1]
    return RegressionTest(
        name="Peters",
        model="lm",
        predictor="ninv",
        statistic=float(stat),
        ddf=float(df),
        pval=float(2 * t.sf(abs(stat), df)),
        coef=float(beta[1]),
        se=float(se[1]),
        k=int(n.size),
    )
