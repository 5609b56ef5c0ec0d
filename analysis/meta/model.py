"""Fixed-, random- and mixed-effects models: ``rma``, after ``metafor::rma.uni``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.special import chdtrc, fdtrc, ndtr, ndtri, stdtr, stdtrit

from .effect_sizes import EffectSizes
from .errors import MSG_EMPTY, as_study_array, check_non_negative
from .estimators import (
    FE_METHODS,
    RE_METHODS,
    Control,
    Tau2Estimate,
    estimate_tau2,
    make_control,
)
from .heterogeneity import heterogeneity, i2_from_q
from .prediction_interval import check_pi_type, prediction_bounds
from .results import RmaResult
from .wls import wls

METHODS = FE_METHODS + RE_METHODS + ("auto",)
TESTS = ("z", "knha")


def alpha_from_level(level: float) -> float:
    """metafor's ``.level``: 95 and 0.95 both mean a 95% interval."""
    if not 0 < level < 100:
        raise ValueError("'level' must lie in (0, 100)")
    return (100 - level) / 100 if level > 1 else 1 - level


def moderator_matrix(mods, k: int) -> np.ndarray:
    """The moderators as a (k, p) float matrix, or a ValueError naming the row that is wrong."""
    M = np.asarray(mods, dtype=float)
    if M.ndim == 1:
        M = M[:, None]
    if M.shape[0] != k:
        raise ValueError(f"field 'mods' has {M.shape[0]} rows but {k} studies were given")
    bad = np.argwhere(~np.isfinite(M))
    if bad.size:
        raise ValueError(f"study {int(bad[0, 0])}: field 'mods' is not a finite number")
    return M


def _design(mods, k: int, intercept: bool) -> tuple[np.ndarray, bool]:
    """Design matrix with the intercept, if any, first; and whether there is one.

    As metafor, a column of ones among the moderators is the intercept, so the omnibus
    test leaves it out even when ``intercept=False``.
    """
    if mods is None:
        if not intercept:
            raise ValueError("a model needs an intercept or moderators")
        return np.ones((k, 1)), True
    M = moderator_matrix(mods, k)
    is_ones = np.all(M == 1, axis=0)
    if intercept or is_ones.any():
        return np.column_stack([np.ones(k), M[:, ~is_ones]]), True
    return M, False


def _fit(
    y: np.ndarray,
    v: np.ndarray,
    X: np.ndarray,
    model: str,
    test: str,
    level: float,
    method: str | None = None,
    intercept: bool = True,
    measure=None,
    slab=None,
    ni=None,
    control: Control | None = None,
) -> RmaResult:
    """Fit one model on validated arrays; shared by ``rma`` and the diagnostics."""
    k, p = X.shape
    fixed = model in FE_METHODS
    if k == 1:
        # metafor: with one study there is nothing to estimate tau^2 from and no t test.
        est, test = Tau2Estimate(0.0, np.nan, True, 0), "z"
    elif fixed:
        est = Tau2Estimate(0.0, np.nan, True, 0)
    else:
        est = estimate_tau2(model, y, v, X, control)
    tau2 = est.tau2
    _check_finite_weights(v, tau2, model)
    w = 1 / (v + tau2)
    fit = wls(y, w, X)
    beta, vb = fit.beta, fit.A
    s2w = 1.0
    ddf = np.nan
    if test == "knha":
        rss = fit.rss
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
        vb = s2w * vb
        ddf = float(k - p)
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = beta / se
    alpha = alpha_from_level(level)

    btt = np.arange(1, p) if (intercept and p > 1) else np.arange(p)
    m = btt.size
    b_t = beta[btt]
    try:
        qm = float(b_t @ np.linalg.solve(vb[np.ix_(btt, btt)], b_t))
    except np.linalg.LinAlgError:
        qm = np.nan
    # scipy.special rather than scipy.stats: the same functions without the per-call
    # overhead, which dominates when leave1out and influence refit hundreds of models.
    if test == "knha":
        qm /= m
        qm_p = float(fdtrc(m, k - p, qm)) if k > p else np.nan
        pval = 2 * stdtr(ddf, -np.abs(zval)) if k > p else np.full(p, np.nan)
        crit = -stdtrit(ddf, alpha / 2) if k > p else np.nan
    else:
        qm_p = float(chdtrc(m, qm))
        pval = 2 * ndtr(-np.abs(zval))
        crit = -ndtri(alpha / 2)

    if intercept and p == 1:
        half = crit * np.sqrt(se[0] ** 2 + tau2)
        pi_lb, pi_ub = beta[0] - half, beta[0] + half
    else:
        pi_lb = pi_ub = np.nan

    het = heterogeneity(y, v, X, tau2, fixed)
    return RmaResult(
        k=k,
        p=p,
        method=method or model,
        model=model,
        test=test,
        level=level,
        beta=beta,
        vb=vb,
        se_beta=se,
        zval_beta=zval,
        pval_beta=np.asarray(pval, float),
        ci_lb_beta=beta - crit * se,
        ci_ub_beta=beta + crit * se,
        pi_lb=float(pi_lb),
        pi_ub=float(pi_ub),
        tau2=float(tau2),
        se_tau2=float(est.se_tau2),
        I2=het.I2,
        H2=het.H2,
        Q=het.Q,
        Q_df=het.Q_df,
        Q_p=het.Q_p,
        QM=qm,
        QM_df=int(m),
        QM_p=qm_p,
        ddf=ddf,
        s2w=float(s2w),
        weights=100 * w / w.sum(),
        converged=est.converged,
        iterations=est.iterations,
        yi=y,
        vi=v,
        X=X,
        intercept=intercept,
        measure=measure,
        slab=slab,
        ni=ni,
        control=control,
    )


def _check_finite_weights(v: np.ndarray, tau2: float, model: str) -> None:
    # As metafor ("Division by zero when computing the inverse variance weights").
    zero = np.flatnonzero(v + tau2 == 0)
    if zero.size:
        raise ValueError(
            f"study {int(zero[0])}: field 'vi' is 0 and tau^2 is 0 ({model}), so its weight "
            "would be infinite; a sampling variance of 0 needs a random-effects model with "
            "tau^2 > 0"
        )


def choose_model(y: np.ndarray, v: np.ndarray, X: np.ndarray, re_method: str) -> str:
    """The "auto" rule: fixed effect when I^2 (from Q) is 0, ``re_method`` otherwise."""
    zero = np.flatnonzero(v == 0)
    if zero.size:
        raise ValueError(
            f"study {int(zero[0])}: field 'vi' is 0; method 'auto' chooses by Cochran's Q, "
            "which needs positive sampling variances"
        )
    het = heterogeneity(y, v, X, 0.0, fixed=True)
    return "FE" if i2_from_q(het.Q, het.Q_df) == 0 else re_method


def rma(
    yi,
    vi=None,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    mods=None,
    intercept: bool = True,
    slab=None,
    measure: str | None = None,
    ni=None,
    re_method: str = "REML",
    control: dict | None = None,
    pi_type: str | None = None,
) -> RmaResult:
    """Fit a fixed-effect, random-effects or mixed-effects meta-analytic model.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances. ``yi`` may instead be an ``EffectSizes``
        from ``escalc``, which also supplies ``measure``, ``slab``, ``ni``. A single
        ``vi`` is used for every study. As in metafor a sampling variance may be 0 with
        HE, SJ, ML, REML or EB (``rma(yi, 0)`` is the ordinary least-squares fit, as R's
        ``lm``, with tau^2 the residual variance); Q, I^2 and H^2 are then NaN, as
        metafor's NA.
    method : str
        ``"FE"``/``"EE"`` (fixed/equal effects), a tau^2 estimator (``"DL"``, ``"HE"``,
        ``"HS"``, ``"SJ"``, ``"ML"``, ``"REML"``, ``"EB"``, ``"PM"``), or ``"auto"``: fixed
        effect when I^2 computed from Q is 0, ``re_method`` otherwise.
    test : {"z", "knha"}
        Normal-theory tests, or the Knapp-Hartung adjustment (t with k - p df, F test for
        moderators); the prediction interval uses the same distribution.
    level : float
        Confidence level in percent (0.95 is read as 95%).
    mods : array_like, optional
        Moderators (k rows); an intercept is added unless ``intercept=False``.
    measure : str, optional
        Measure code, used by ``transformed()``.
    control : dict, optional
        Settings of the iterative estimators, metafor's ``control`` with underscores:
        ``threshold`` (default 1e-10; relative to tau^2), ``maxiter`` (1000),
        ``tau2_init`` (HE for ML/REML/EB, the variance of the outcomes for SJ) and
        ``step_adj`` (1). Any other key raises ``ValueError``. See ``Control``.
    pi_type : {"z", "t", "hts"}, optional
        Critical value of the prediction interval: normal, t(k - p), or t(k - 2) as Higgins,
        Thompson & Spiegelhalter (2009) and R's meta (``method.predict = "HTS"``, NaN for
        k < 3). By default the distribution of ``test``: z, or t(k - p) for Knapp-Hartung.

    Returns
    -------
    RmaResult

    Raises
    ------
    ValueError
        On bad input, naming the study (0-based) and the field.
    ConvergenceError
        When an iterative tau^2 estimator does not converge.

    Notes
    -----
    The prediction interval is ``estimate +/- crit * sqrt(se^2 + tau2)`` with the normal
    quantile for ``test="z"`` and the t(k - p) quantile for ``test="knha"`` (metafor's
    ``predict.rma``). The Knapp-Hartung factor is not truncated at 1.

    References
    ----------
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
    Journal of Statistical Software, 36(3), 1-48.
    Knapp, G., & Hartung, J. (2003). Improved tests for a random effects meta-regression
    with a single covariate. Statistics in Medicine, 22(17), 2693-2710.
    Higgins, J. P. T., Thompson, S. G., & Spiegelhalter, D. J. (2009). A re-evaluation of
    random-effects meta-analysis. Journal of the Royal Statistical Society A, 172(1),
    137-159.
    """
    if isinstance(yi, EffectSizes):
        if vi is None:
            vi = yi.vi
        measure = measure or yi.measure
        slab = slab if slab is not None else yi.slab
        ni = ni if ni is not None else yi.ni
        yi = yi.yi
    if vi is None:
        raise ValueError("field 'vi' is required")
    method = method.upper() if method != "auto" else method
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    re_method = re_method.upper()
    if re_method not in RE_METHODS:
        raise ValueError(f"unknown re_method {re_method!r}")
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; expected 'z' or 'knha'")
    alpha_from_level(level)
    control = make_control(control)

    y = as_study_array("yi", yi)
    k = y.shape[0]
    if k == 0:
        raise ValueError(MSG_EMPTY)
    if np.ndim(vi) == 0:
        vi = np.full(k, vi, dtype=float)
    v = as_study_array("vi", vi, k)
    check_non_negative("vi", v)
    if ni is not None:
        ni = as_study_array("ni", ni, k)
    if slab is not None:
        slab = tuple(str(s) for s in slab)
        if len(slab) != k:
            raise ValueError(f"field 'slab' has {len(slab)} values but {k} studies were given")
    X, intercept = _design(mods, k, intercept)
    p = X.shape[1]

    model = choose_model(y, v, X, re_method) if method == "auto" else method
    if model == "EE":
        model = "FE"
    if not (k == 1 and p == 1):
        needed = p if model in FE_METHODS else p + 1
        if needed > k:
            raise ValueError(
                f"{k} studies are too few to estimate {p} coefficient(s) with method {model}"
            )
    if pi_type is not None:
        check_pi_type(pi_type)
    res = _fit(y, v, X, model, test, level, method, intercept, measure, slab, ni, control)
    return with_pi_type(res, pi_type)


def with_pi_type(res: RmaResult, pi_type: str | None) -> RmaResult:
    """``res`` with its prediction interval under ``pi_type`` (None: as its ``test``)."""
    default = "t" if res.test == "knha" else "z"
    pi_type = pi_type or default
    if pi_type == default or not res.int_only:
        return replace(res, pi_type=pi_type)
    lb, ub = prediction_bounds(res.estimate, res.se, res.tau2, res.k, res.level, pi_type)
    return replace(res, pi_lb=float(lb), pi_ub=float(ub), pi_type=pi_type)
