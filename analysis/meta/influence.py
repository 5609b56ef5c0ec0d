"""Leave-one-out analysis and case-deletion diagnostics, after metafor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from .model import _fit
from .results import RmaResult
from .wls import RankDeficientError, wls


@dataclass(frozen=True, eq=False)
class Leave1outResult:
    """Each array has one entry per omitted study (``metafor::leave1out``).

    ``zval`` holds t statistics for Knapp-Hartung models.
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
    slab: tuple[str, ...] | None = None


@dataclass(frozen=True, eq=False)
class InfluenceResult:
    """Case-deletion diagnostics (``metafor::influence.rma.uni``).

    ``rstudent`` are externally studentised residuals, ``dffits``, ``cook_d`` (Cook's
    distance over all coefficients), ``cov_r`` (covariance ratio), ``tau2_del`` and
    ``QE_del`` (tau^2 and Q with the study left out), ``hat`` (leverage), ``weight``
    (percent), ``dfbs`` (DFBETAS, k x p) and ``inf``, metafor's influence flag.
    """

    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    QE_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    dfbs: np.ndarray
    inf: np.ndarray
    slab: tuple[str, ...] | None = None


def _deleted(res: RmaResult, i: int, X: np.ndarray) -> RmaResult | None:
    keep = np.arange(res.k) != i
    try:
        return _fit(
            res.yi[keep],
            res.vi[keep],
            X[keep],
            res.model,
            res.test,
            res.level,
            intercept=res.intercept,
            control=res.control,
        )
    except RankDeficientError:
        return None


def _deletion_fits(res: RmaResult, X: np.ndarray) -> list[RmaResult | None]:
    if res.k < 2:
        raise ValueError("leave-one-out needs at least two studies")
    needed = res.p if res.model == "FE" else res.p + 1
    # An intercept-only model can be fitted to one study (tau^2 = 0), as metafor does.
    if res.k - 1 < needed and not (res.int_only and res.k == 2):
        # Every refit is impossible and every deletion statistic would be NaN (metafor's
        # NA): say so instead.
        raise ValueError(
            f"leave-one-out needs at least {needed + 1} studies for this model "
            f"({res.p} coefficient(s){'' if res.model == 'FE' else ' and tau^2'}; "
            f"{res.k} given)"
        )
    return [_deleted(res, i, X) for i in range(res.k)]


def leave1out(res: RmaResult) -> Leave1outResult:
    """Refit an intercept-only model ``k`` times, omitting one study each time.

    Each refit uses the fitted model of ``res`` (its tau^2 estimator or FE, its test
    and level); with ``method="auto"`` the choice made on all studies is kept.

    References
    ----------
    Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for
    meta-analysis. Research Synthesis Methods, 1(2), 112-125.
    """
    if not res.int_only:
        raise ValueError("leave1out is defined for intercept-only models")
    fits = _deletion_fits(res, res.X)

    def col(attr):
        return np.array([np.nan if r is None else getattr(r, attr) for r in fits], float)

    return Leave1outResult(
        estimate=col("estimate"),
        se=col("se"),
        zval=col("zval"),
        pval=col("pval"),
        ci_lb=col("ci_lb"),
        ci_ub=col("ci_ub"),
        Q=col("Q"),
        Q_p=col("Q_p"),
        tau2=col("tau2"),
        I2=col("I2"),
        H2=col("H2"),
        slab=res.slab,
    )


def influence(res: RmaResult) -> InfluenceResult:
    """Case-deletion diagnostics for every study, as ``metafor::influence``.

    A study is flagged in ``inf`` (metafor's ``is.infl``) when any of
    ``|dffits| > 3 sqrt(p / (k - p))``, ``pchisq(cook_d, p) > 0.5``,
    ``hat > 3 p / k`` or ``|dfbs| > 1`` for any coefficient holds.

    References
    ----------
    Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for
    meta-analysis. Research Synthesis Methods, 1(2), 112-125.
    Belsley, D. A., Kuh, E., & Welsch, R. E. (1980). Regression diagnostics. Wiley.
    Cook, R. D. (1977). Detection of influential observation in linear regression.
    Technometrics, 19(1), 15-18.
    """
    k, p = res.k, res.p
    X, y, v = res.X, res.yi, res.vi
    fits = _deletion_fits(res, X)
    w_full = 1 / (v + res.tau2)
    hat = wls(y, w_full, X).hat()
    hat = np.where(hat > 1 - 10 * np.finfo(float).eps, 1.0, hat)
    pred_full = X @ res.beta
    vb_full_inv = np.linalg.inv(res.vb)
    # Log-determinants: with variances of 1e-300 the determinants themselves underflow.
    logdet_full = np.linalg.slogdet(res.vb)[1]

    nan = np.full(k, np.nan)
    rstudent, dffits, cook_d, cov_r = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    tau2_del, qe_del = nan.copy(), nan.copy()
    dfbs = np.full((k, p), np.nan)
    for i, r in enumerate(fits):
        if r is None:
            continue
        xi = X[i]
        tau2_del[i], qe_del[i] = r.tau2, r.Q
        delpred = float(xi @ r.beta)
        vdelpred = float(xi @ r.vb @ xi)
        dffits[i] = (pred_full[i] - delpred) / np.sqrt(r.s2w * hat[i] * (r.tau2 + v[i]))
        vb_del = wls(y, 1 / (v + r.tau2), X).A
        dfb = res.beta - r.beta
        dfbs[i] = dfb / np.sqrt(r.s2w * np.diag(vb_del))
        cook_d[i] = float(dfb @ vb_full_inv @ dfb)
        cov_r[i] = np.exp(np.linalg.slogdet(r.vb)[1] - logdet_full)
        resid = y[i] - delpred
        if abs(resid) < 100 * np.finfo(float).eps:
            resid = 0.0
        rstudent[i] = resid / np.sqrt(v[i] * r.s2w + vdelpred + r.tau2 * r.s2w)

    with np.errstate(invalid="ignore"):
        inf = (
            (np.abs(dffits) > 3 * np.sqrt(p / (k - p)))
            | (chi2.cdf(cook_d, p) > 0.5)
            | (hat > 3 * p / k)
            | np.any(np.abs(dfbs) > 1, axis=1)
        )
    return InfluenceResult(
        rstudent=rstudent,
        dffits=dffits,
        cook_d=cook_d,
        cov_r=cov_r,
        tau2_del=tau2_del,
        QE_del=qe_del,
        hat=hat,
        weight=res.weights.copy(),
        dfbs=dfbs,
        inf=inf,
        slab=res.slab,
    )


def outliers(res: RmaResult, z: float = 1.96) -> np.ndarray:
    """0-based indices of studies to consider dropping in a sensitivity analysis.

    A study is returned when metafor's influence rule flags it (``influence(res).inf``)
    or when its externally studentised residual exceeds ``z`` in absolute value (1.96:
    outside the 95% range expected under the model). This is a screening aid for a
    pre-specified sensitivity analysis, not a rule for excluding studies.

    References
    ----------
    Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for
    meta-analysis. Research Synthesis Methods, 1(2), 112-125.
    """
    inf = influence(res)
    with np.errstate(invalid="ignore"):
        flagged = inf.inf | (np.abs(inf.rstudent) > z)
    return np.flatnonzero(flagged)
