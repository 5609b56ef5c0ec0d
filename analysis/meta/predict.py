"""Predicted effects of a fitted model, with confidence and prediction intervals
(metafor's ``predict.rma``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtri, stdtrit

from .model import alpha_from_level
from .results import RmaResult
from .transforms import iarcsin, ipft_hm

__all__ = ["PI_TYPES", "PredictResult", "predict"]

PI_TYPES = ("default", "simple", "z", "t", "riley", "hts")
_TRANSFORMS: dict[str, Callable] = {
    "identity": lambda v: v,
    "exp": np.exp,
    "ilogit": expit,
    "iarcsin": iarcsin,
}


@dataclass(frozen=True, eq=False)
class PredictResult:
    """One row per prediction: ``pred`` and its ``se``, confidence interval
    ``ci_lb``/``ci_ub`` and prediction interval ``pi_lb``/``pi_ub`` (metafor's
    ``cr.lb``/``cr.ub``). ``se`` is NaN after a transformation. ``ddf`` holds the
    degrees of freedom of the t quantile (NaN for normal quantiles); ``X`` the rows of
    the design matrix the predictions are for. For a fixed-effect model (tau^2 = 0) the
    prediction interval is the confidence interval; metafor leaves it out.
    """

    pred: np.ndarray
    se: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    ddf: np.ndarray
    X: np.ndarray
    level: float
    transformed: bool

    def __len__(self) -> int:
        return self.pred.size


def _new_design(res: RmaResult, newmods, intercept: bool) -> np.ndarray:
    """metafor's reading of ``newmods``: the moderator columns, without the intercept."""
    if newmods is None:
        return np.ones((1, 1)) if res.int_only else res.X
    if res.int_only:
        raise ValueError("cannot give new moderator values for a model without moderators")
    M = np.asarray(newmods, dtype=float)
    if M.ndim > 2:
        raise ValueError("'newmods' must be a number, a vector or a matrix")
    n_mods = res.p - 1 if res.intercept else res.p
    if n_mods == 1 and M.ndim < 2:
        # One moderator: every value is a prediction.
        M = M.reshape(-1, 1)
    else:
        M = np.atleast_2d(M)
    if not np.all(np.isfinite(M)):
        raise ValueError("'newmods' must hold finite numbers")
    if res.intercept:
        M = np.column_stack([np.full(M.shape[0], 1.0 if intercept else 0.0), M])
    if M.shape[1] != res.p:
        raise ValueError(
            f"'newmods' gives {M.shape[1] - int(res.intercept)} moderator value(s) per row; "
            f"the model has {n_mods}"
        )
    return M


def _transform(transf, res: RmaResult) -> Callable | None:
    if transf is None or callable(transf):
        return transf
    if transf == "ipft.hm":
        if res.ni is None:
            raise ValueError("the PFT back-transformation needs the study sample sizes (ni)")
        return lambda v: ipft_hm(v, res.ni)
    if transf not in _TRANSFORMS:
        raise ValueError(
            f"unknown transf {transf!r}; use a function or one of "
            f"{', '.join([*_TRANSFORMS, 'ipft.hm'])}"
        )
    return _TRANSFORMS[transf]


def predict(
    res: RmaResult,
    newmods=None,
    *,
    intercept: bool = True,
    level: float | None = None,
    transf=None,
    pi_type: str | None = None,
    newvi=None,
) -> PredictResult:
    """Predicted values of a fixed-, random- or mixed-effects model.

    Parameters
    ----------
    res : RmaResult
    newmods : array_like, optional
        Moderator values to predict at, without the intercept column: for a model with
        one moderator a number or a vector (one prediction per value), otherwise a
        vector (one prediction) or a matrix with one row per prediction. Omitted: the
        pooled estimate of an intercept-only model, the fitted values of a
        meta-regression.
    intercept : bool
        With ``False`` the intercept is left out of the predictions (its column set to
        0), as metafor's ``intercept=FALSE``.
    level : float, optional
        Confidence level in percent; defaults to that of ``res``.
    transf : callable or str, optional
        Applied to the predictions and the bounds of both intervals (``se`` becomes
        NaN): a function, or ``"exp"``, ``"ilogit"``, ``"iarcsin"``, ``"ipft.hm"``.
    pi_type : {"default", "simple", "z", "t", "riley", "hts"}, optional
        metafor's ``pi.type``: the default uses the quantile of the model's test (z, or
        t on k - p df for Knapp-Hartung) and the variance ``se^2 + tau2``; "simple"
        drops ``se^2`` and uses z; "z" keeps ``se^2`` with z whatever the test (as
        ``rma(pi_type="z")``); "t" uses t on k - p df; "riley" metafor's t on
        k - p - 1 df for a random-effects model (k - p for a fixed-effect one, at least
        1); "hts" R meta's t on k - p - 1 df whatever the model (k - 2 for a pooled
        estimate, Higgins, Thompson & Spiegelhalter 2009), NaN where that is below 1 (k < 3
        for a pooled estimate, as meta). Omitted: the convention the fit was made with
        (``rma(pi_type=...)``), so that ``predict(res)`` repeats ``res.pi_lb``/``pi_ub``.
    newvi : float or array_like, optional
        Sampling variance of a new study, added to the prediction-interval variance.

    Returns
    -------
    PredictResult

    References
    ----------
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
    Journal of Statistical Software, 36(3), 1-48.
    Riley, R. D., Higgins, J. P. T., & Deeks, J. J. (2011). Interpretation of random
    effects meta-analyses. BMJ, 342, d549.
    """
    if pi_type is None:
        pi_type = {"hts": "hts", "t": "t", "z": "z"}.get(getattr(res, "pi_type", None), "default")
    if pi_type not in PI_TYPES:
        raise ValueError(f"unknown pi_type {pi_type!r}; expected one of {', '.join(PI_TYPES)}")
    level = res.level if level is None else level
    alpha = alpha_from_level(level)
    X = _new_design(res, newmods, intercept)
    n = X.shape[0]
    ddf = np.full(n, float(res.k - res.p))
    pred = X @ res.beta
    vpred = np.einsum("ij,jk,ik->i", X, res.vb, X)
    vpred[vpred < 0] = np.nan
    se = np.sqrt(vpred)
    t_test = res.test == "knha"
    with np.errstate(invalid="ignore"):
        crit = np.where(ddf > 0, -stdtrit(ddf, alpha / 2), np.nan) if t_test else -ndtri(alpha / 2)
    crit = np.broadcast_to(crit, (n,)).astype(float)
    ci_lb, ci_ub = pred - crit * se, pred + crit * se

    pi_var = vpred
    pi_crit = crit
    pi_ddf = ddf
    if pi_type == "simple":
        pi_crit, pi_var = np.full(n, -ndtri(alpha / 2)), np.zeros(n)
    elif pi_type == "z":
        pi_crit = np.full(n, -ndtri(alpha / 2))
    elif pi_type in ("t", "riley"):
        parms = res.p + (0 if res.model in ("FE", "EE") else 1)
        pi_ddf = ddf - parms + res.p if pi_type == "riley" else ddf
        pi_ddf = np.maximum(pi_ddf, 1.0)
        pi_crit = -stdtrit(pi_ddf, alpha / 2)
    elif pi_type == "hts":
        # meta's convention: no prediction interval without at least one residual df
        # beyond tau^2 and the coefficients (k >= 3 for a pooled estimate).
        pi_ddf = np.full(n, float(res.k - res.p - 1))
        with np.errstate(invalid="ignore"):
            pi_crit = np.where(pi_ddf >= 1, -stdtrit(np.maximum(pi_ddf, 1.0), alpha / 2), np.nan)
    extra = 0.0 if newvi is None else np.broadcast_to(np.asarray(newvi, float), (n,))
    half = pi_crit * np.sqrt(pi_var + res.tau2 + extra)
    pi_lb, pi_ub = pred - half, pred + half

    fn = _transform(transf, res)
    if fn is not None:
        pred, ci_lb, ci_ub, pi_lb, pi_ub = (
            np.asarray(fn(a), dtype=float) for a in (pred, ci_lb, ci_ub, pi_lb, pi_ub)
        )
        se = np.full(n, np.nan)
        # a decreasing transformation swaps the bounds (metafor's .psort)
        ci_lb, ci_ub = np.fmin(ci_lb, ci_ub), np.fmax(ci_lb, ci_ub)
        pi_lb, pi_ub = np.fmin(pi_lb, pi_ub), np.fmax(pi_lb, pi_ub)
    return PredictResult(
        pred=pred,
        se=se,
        ci_lb=ci_lb,
        ci_ub=ci_ub,
        pi_lb=pi_lb,
        pi_ub=pi_ub,
        ddf=ddf if t_test else np.full(n, np.nan),
        X=X,
        level=level,
        transformed=fn is not None,
    )
