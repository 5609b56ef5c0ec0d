"""Mantel-Haenszel common-effect models for 2x2 tables (metafor's ``rma.mh``).

The pooled odds ratio, risk ratio or risk difference is computed from the raw cell counts:
no continuity correction is added, and tables with no events (or no non-events) in both
arms stay in, where they contribute nothing to the OR and RR estimates and add to the
weight of the RD. The continuity correction (``add``, ``to``) and the dropping of such
double-zero tables apply only to the per-study ``yi``/``vi`` behind the heterogeneity
test ``Q``, as in metafor with its defaults (``add=1/2, to="only0", drop00=TRUE``).

References
----------
Mantel N, Haenszel W (1959). Statistical aspects of the analysis of data from
retrospective studies of disease. Journal of the National Cancer Institute 22(4):719-748.

Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel variance
consistent in both sparse data and large-strata limiting models. Biometrics
42(2):311-323.

Greenland S, Robins JM (1985). Estimation of a common effect parameter from sparse
follow-up data. Biometrics 41(1):55-68.

Sato T (1989). On the variance estimator for the Mantel-Haenszel risk difference.
Biometrics 45(4):1323-1324.

Tarone RE (1985). On heterogeneity tests based on efficient scores. Biometrika
72(1):91-95.

Breslow NE, Day NE (1980). Statistical Methods in Cancer Research, Vol. I: The Analysis
of Case-Control Studies. Lyon: IARC.

Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal of
Statistical Software 36(3):1-48.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc, ndtr, ndtri

from .effect_sizes import _columns, escalc
from .errors import check_at_least_one, check_events, check_non_negative
from .heterogeneity_q import QHeterogeneityFields
from .model import alpha_from_level
from .results import Transformed
from .transforms import back_transform, transform_name

__all__ = ["MH_MEASURES", "MHResult", "rma_mh"]

MH_MEASURES = ("OR", "RR", "RD")


@dataclass(frozen=True, eq=False)
class MHResult(QHeterogeneityFields):
    """Fit of :func:`rma_mh`, with metafor's names for what ``rma.mh`` reports.

    ``estimate`` (metafor's ``beta``) and its interval are on the log scale for OR and
    RR; ``transformed()`` gives them as ratios. ``k`` counts the tables in the pooled
    estimate, ``k_yi`` the studies behind ``Q`` (double-zero tables left out), whose
    ``yi``/``vi`` are kept for plots. ``CMH`` is the Cochran-Mantel-Haenszel test (with
    the continuity correction if ``correct``), ``CO`` Cochran's version of it (variance
    with N rather than N - 1), ``BD`` the Breslow-Day test and ``TA`` Tarone's correction
    of it; all NaN unless ``measure="OR"``, and the last two NaN (their p-values) when
    fewer than two tables are informative. ``I2`` is a percentage.
    """

    measure: str
    k: int
    k_yi: int
    level: float
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    Q: float
    Q_df: int
    Q_p: float
    I2: float
    H2: float
    CMH: float
    CMH_p: float
    CO: float
    CO_p: float
    BD: float
    BD_p: float
    TA: float
    TA_p: float
    correct: bool
    yi: np.ndarray
    vi: np.ndarray
    method: str = "MH"

    @property
    def beta(self) -> float:
        return self.estimate

    @property
    def tau2(self) -> float:
        return 0.0

    def transformed(self) -> Transformed:
        """Estimate and confidence interval on the natural scale (exp for OR and RR).

        A common-effect model has no between-study variance, so the prediction interval
        is the confidence interval, as for ``rma(method="FE")``.
        """
        est, lb, ub = back_transform(self.measure, [self.estimate, self.ci_lb, self.ci_ub])
        return Transformed(
            float(est),
            float(lb),
            float(ub),
            float(lb),
            float(ub),
            transform=transform_name(self.measure),
        )


def two_by_two_tables(ai, bi, ci, di, n1i, n2i, who: str):
    """Validated raw cell counts ``ai, bi, ci, di`` from either way of giving a table."""
    given = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}
    if bi is not None or di is not None:
        c = _columns(("ai", "bi", "ci", "di"), given, who)
        for name in ("ai", "bi", "ci", "di"):
            check_non_negative(name, c[name])
        check_at_least_one("ai+bi", c["ai"] + c["bi"])
        check_at_least_one("ci+di", c["ci"] + c["di"])
        return c["ai"], c["bi"], c["ci"], c["di"]
    c = _columns(("ai", "n1i", "ci", "n2i"), given, who)
    for name in ("ai", "ci"):
        check_non_negative(name, c[name])
    check_at_least_one("n1i", c["n1i"])
    check_at_least_one("n2i", c["n2i"])
    check_events("ai", c["ai"], c["n1i"])
    check_events("ci", c["ci"], c["n2i"])
    return c["ai"], c["n1i"] - c["ai"], c["ci"], c["n2i"] - c["ci"]


def study_effects(measure, ai, bi, ci, di, add, to) -> tuple[np.ndarray, np.ndarray]:
    """Per-study ``yi``/``vi`` for Q: corrected as asked, double-zero tables dropped.

    A table with no events, or no non-events, in both arms says nothing about the
    between-group contrast (metafor's ``drop00=TRUE``); a NaN left by ``to="none"`` is
    dropped as metafor drops NA.
    """
    es = escalc(measure, ai=ai, bi=bi, ci=ci, di=di, add=add, to=to)
    double_zero = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
    keep = ~double_zero & ~np.isnan(es.yi) & ~np.isnan(es.vi)
    return es.yi[keep], es.vi[keep]


def heterogeneity_summary(Q: float, df: int) -> tuple[float, float, float]:
    """Q's p-value, I^2 (percent) and H^2 from Q on ``df`` degrees of freedom.

    References
    ----------
    Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
    Statistics in Medicine 21(11):1539-1558.
    """
    if df < 1:
        return 1.0, 0.0, 1.0
    I2 = max(0.0, 100 * (Q - df) / Q) if Q > 0 else 0.0
    return float(chdtrc(df, Q)), float(I2), float(Q / df)


def wald(estimate: float, se: float, level: float) -> tuple[float, float, float, float]:
    """z value, two-sided p-value and the normal-theory interval (z NaN when se is 0)."""
    crit = -ndtri(alpha_from_level(level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = np.float64(estimate) / np.float64(se)
    return (
        float(zval),
        float(2 * ndtr(-abs(zval))),
        float(estimate - crit * se),
        float(estimate + crit * se),
    )


def _odds_ratio(ai, bi, ci, di):
    N = ai + bi + ci + di
    P, Qs = (ai + di) / N, (bi + ci) / N
    R, S = ai * di / N, bi * ci / N
    sR, sS = R.sum(), S.sum()
    if sR == 0 or sS == 0:
        raise ValueError(
            "the Mantel-Haenszel odds ratio is undefined: "
            + ("no table has both a*d > 0" if sR == 0 else "no table has both b*c > 0")
            + " (events and non-events in the right cells)"
        )
    or_mh = sR / sS
    # Robins, Breslow and Greenland (1986), consistent for sparse and for large strata.
    var = 0.5 * (
        (P * R).sum() / sR**2 + (P * S + Qs * R).sum() / (sR * sS) + (Qs * S).sum() / sS**2
    )
    return or_mh, float(np.sqrt(var))


def _cmh(ai, bi, ci, di, correct: bool):
    """Cochran's and the Mantel-Haenszel test of no association (Mantel, Haenszel 1959)."""
    n1, n2 = ai + bi, ci + di
    N = n1 + n2
    xt, yt = ai + ci, bi + di
    if xt.sum() == 0 or yt.sum() == 0:
        return np.nan, np.nan, np.nan, np.nan
    num = (abs((ai - n1 / N * xt).sum()) - (0.5 if correct else 0.0)) ** 2
    co = num / ((n1 / N) * (n2 / N) * (xt * (yt / N))).sum()
    mh = num / ((n1 / N) * (n2 / N) * (xt * (yt / (N - 1)))).sum()
    return float(co), float(chdtrc(1, co)), float(mh), float(chdtrc(1, mh))


def _breslow_day_tarone(ai, bi, ci, di, or_mh: float):
    """Breslow-Day test of a common odds ratio and Tarone's (1985) correction of it.

    The expected count of each table given the margins and the MH odds ratio is the root
    of a quadratic (Breslow, Day 1980); tables without both outcomes are left out.
    """
    n1, n2 = ai + bi, ci + di
    N = n1 + n2
    xt, yt = ai + ci, bi + di
    if or_mh == 1:
        N11 = n1 / N * xt
    else:
        A = or_mh * (n1 + xt) + (n2 - xt)
        B = np.sqrt(A**2 - 4 * n1 * xt * or_mh * (or_mh - 1))
        N11 = (A - B) / (2 * (or_mh - 1))
    pos = (N11 > 0) & (xt > 0) & (yt > 0)
    k_pos = int(pos.sum())
    N11, a = N11[pos], ai[pos]
    N12 = n1[pos] - N11
    N21 = xt[pos] - N11
    N22 = N11 - n1[pos] - xt[pos] + N[pos]
    v = 1 / (1 / N11 + 1 / N12 + 1 / N21 + 1 / N22)
    bd = max(0.0, float(((a - N11) ** 2 / v).sum()))
    ta = max(0.0, bd - float((a - N11).sum() ** 2 / v.sum()))
    if k_pos > 1:
        return bd, float(chdtrc(k_pos - 1, bd)), ta, float(chdtrc(k_pos - 1, ta))
    return bd, np.nan, ta, np.nan


def _risk_ratio(ai, bi, ci, di):
    n1, n2 = ai + bi, ci + di
    N = n1 + n2
    if ai.sum() == 0 or ci.sum() == 0:
        arm = "first" if ai.sum() == 0 else "second"
        raise ValueError(
            f"the Mantel-Haenszel risk ratio is undefined: no events in the {arm} group "
            "of any table"
        )
    R, S = (ai * n2 / N).sum(), (ci * n1 / N).sum()
    # Greenland and Robins (1985).
    var = ((n1 / N) * (n2 / N) * (ai + ci) - (ai / N) * ci).sum() / (R * S)
    return R / S, float(np.sqrt(var)) if var > 0 else 0.0


def _risk_difference(ai, bi, ci, di):
    n1, n2 = ai + bi, ci + di
    N = n1 + n2
    W = (n1 * (n2 / N)).sum()
    rd = float((ai * (n2 / N) - ci * (n1 / N)).sum() / W)
    # Sato (1989), as metafor: consistent in both sparse-data and large-strata limits.
    num = rd * (ci * (n1 / N) ** 2 - ai * (n2 / N) ** 2 + (n1 / N) * (n2 / N) * (n2 - n1) / 2).sum()
    num += (ai * (n2 - ci) / N + ci * (n1 - ai) / N).sum() / 2
    return rd, float(np.sqrt(num / W**2))


def rma_mh(
    *,
    measure: str = "OR",
    ai=None,
    bi=None,
    ci=None,
    di=None,
    n1i=None,
    n2i=None,
    add: float = 0.5,
    to: str = "only0",
    correct: bool = True,
    level: float = 95,
) -> MHResult:
    """Mantel-Haenszel common-effect model for 2x2 tables.

    Parameters
    ----------
    measure : {"OR", "RR", "RD"}
        Log odds ratio, log risk ratio or risk difference.
    ai, bi, ci, di : array_like
        Events and non-events in the first (``ai``, ``bi``) and second group; or give
        ``ai, n1i, ci, n2i`` (events and group sizes) instead.
    add, to
        Continuity correction of the per-study ``yi``/``vi`` used for ``Q`` only (see
        ``escalc``); the pooled estimate always uses the raw counts.
    correct : bool
        Continuity correction of the Cochran-Mantel-Haenszel test (OR).
    level : float
        Confidence level in percent (0.95 is read as 95%).

    Returns
    -------
    MHResult

    Raises
    ------
    ValueError
        For an unknown measure, negative counts, events above a group size, fields of
        different lengths, no studies, or an estimate that the data leave undefined
        (no events in one group of every table for the RR, R or S zero for the OR).

    Notes
    -----
    With weights ``w_i = b_i c_i / N_i`` the MH odds ratio is
    ``sum(a_i d_i / N_i) / sum(b_i c_i / N_i)``; its log has the Robins-Breslow-Greenland
    (1986) variance. The log risk ratio has the Greenland-Robins (1985) variance and the
    risk difference Sato's (1989), as in metafor. ``Q`` is the inverse-variance
    weighted sum of squares of the (corrected) per-study estimates about the MH
    estimate, on ``k_yi - 1`` degrees of freedom.

    References
    ----------
    See the module docstring: Mantel and Haenszel (1959), Robins, Breslow and Greenland
    (1986), Greenland and Robins (1985), Sato (1989), Breslow and Day (1980), Tarone
    (1985), Viechtbauer (2010).
    """
    if measure not in MH_MEASURES:
        raise ValueError(
            f"unknown measure {measure!r} for the Mantel-Haenszel method; expected one of "
            + ", ".join(MH_MEASURES)
        )
    a, b, c, d = two_by_two_tables(ai, bi, ci, di, n1i, n2i, f"rma_mh (measure {measure})")
    alpha_from_level(level)
    yi, vi = study_effects(measure, a, b, c, d, add, to)

    nan4 = (np.nan,) * 4
    co = bd = nan4
    if measure == "OR":
        ratio, se = _odds_ratio(a, b, c, d)
        estimate = float(np.log(ratio))
        co = _cmh(a, b, c, d, correct)
        bd = _breslow_day_tarone(a, b, c, d, ratio)
    elif measure == "RR":
        ratio, se = _risk_ratio(a, b, c, d)
        estimate = float(np.log(ratio))
    else:
        estimate, se = _risk_difference(a, b, c, d)
    if measure == "RR" and not se > 0:
        # Every table has only events: metafor returns log RR 0 with a NaN standard error.
        raise ValueError(
            "the Mantel-Haenszel risk ratio has no standard error: every participant of "
            "every table had the event"
        )
    zval, pval, lb, ub = wald(estimate, se, level)

    k_yi = int(yi.shape[0])
    Q = max(0.0, float((((yi - estimate) ** 2) / vi).sum())) if k_yi > 1 else 0.0
    Q_p, I2, H2 = heterogeneity_summary(Q, k_yi - 1)
    return MHResult(
        measure=measure,
        k=int(a.shape[0]),
        k_yi=k_yi,
        level=level,
        estimate=estimate,
        se=se,
        zval=zval,
        pval=pval,
        ci_lb=lb,
        ci_ub=ub,
        Q=Q,
        Q_df=max(k_yi - 1, 0),
        Q_p=Q_p,
        I2=I2,
        H2=H2,
        CO=co[0],
        CO_p=co[1],
        CMH=co[2],
        CMH_p=co[3],
        BD=bd[0],
        BD_p=bd[1],
        TA=bd[2],
        TA_p=bd[3],
        correct=correct,
        yi=yi,
        vi=vi,
    )
