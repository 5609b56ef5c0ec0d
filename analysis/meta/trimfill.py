"""Duval and Tweedie's trim-and-fill method, after ``metafor::trimfill``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import comb
from scipy.stats import rankdata

from .estimators import FE_METHODS
from .model import _fit
from .results import RmaResult
from .wls import RankDeficientError

MAXITER = 100


@dataclass(frozen=True, eq=False)
class TrimfillResult:
    """Outcome of trim and fill.

    Attributes
    ----------
    k0, se_k0 : estimated number of missing studies and its standard error (NaN when
        the L0 variance formula turns negative, as in metafor).
    side : side on which studies were judged missing ("left" or "right").
    estimator : "L0" or "R0".
    p_k0 : for R0, the p-value of the test that no studies are missing (else NaN).
    fit : the model refitted on the observed plus filled-in studies (``res`` if k0 = 0).
    yi, vi : effect sizes and variances of the filled data set, observed studies first.
    fill : True for the imputed studies.
    iterations : trimming iterations used.
    """

    k0: int
    se_k0: float
    side: str
    estimator: str
    p_k0: float
    fit: RmaResult
    yi: np.ndarray
    vi: np.ndarray
    fill: np.ndarray
    iterations: int


def _detect_side(res: RmaResult) -> str:
    # metafor: the sign of the slope of sqrt(vi) in the same kind of model. A positive
    # slope means small studies have larger effects, so missing ones are on the left.
    X = np.column_stack([np.ones(res.k), np.sqrt(res.vi)])
    try:
        fit = _fit(res.yi, res.vi, X, res.model, "z", res.level, control=res.control)
    except RankDeficientError:
        raise ValueError(
            "trim and fill chooses the side by a regression on the standard errors, which "
            "are constant (or nearly so) here; give side='left' or 'right'"
        ) from None
    return "right" if fit.beta[1] < 0 else "left"


def trimfill(
    res: RmaResult, side: str | None = None, estimator: str = "L0", maxiter: int = MAXITER
) -> TrimfillResult:
    """Estimate and impute studies missing by funnel-plot asymmetry.

    Studies are sorted by effect (flipped when missing on the right); on each
    iteration the ``k0`` most extreme are trimmed, the model refitted, the signed ranks
    of the deviations from the new estimate recomputed, and ``k0`` re-estimated:

    - L0: ``(4 S_r - k (k + 1)) / (2k - 1)``, ``S_r`` the sum of positive signed ranks;
    - R0: ``k - (largest absolute rank among negative deviations) - 1``.

    ``k0`` is rounded (half to even, as R) and floored at 0; the loop stops when it no
    longer changes. The ``k0`` most extreme studies are then mirrored about the
    estimate and the model is refitted on all studies. Refits use the model of
    ``res`` (tau^2 estimator or FE, test and level).

    Parameters
    ----------
    res : RmaResult
        An intercept-only model.
    side : {"left", "right"}, optional
        Side of the funnel plot where studies are missing; by default chosen by the
        sign of the slope in a regression test with the standard errors as predictor
        (metafor's rule).
    estimator : {"L0", "R0"}

    References
    ----------
    Duval, S., & Tweedie, R. (2000a). Trim and fill: a simple funnel-plot-based method
    of testing and adjusting for publication bias in meta-analysis. Biometrics, 56(2),
    455-463.
    Duval, S., & Tweedie, R. (2000b). A nonparametric "trim and fill" method of
    accounting for publication bias in meta-analysis. Journal of the American
    Statistical Association, 95(449), 89-98.
    """
    if not res.int_only:
        raise ValueError("trim and fill is defined for intercept-only models")
    if res.k < 2:
        raise ValueError(f"trim and fill needs at least 2 studies ({res.k} given)")
    if estimator not in ("L0", "R0"):
        raise ValueError("estimator must be 'L0' or 'R0'")
    if side is None:
        if res.model not in FE_METHODS and res.k < 3:
            # metafor's rule chooses the side by a random-effects regression on sqrt(vi),
            # which has two coefficients plus tau^2.
            raise ValueError(
                "trim and fill after a random-effects model needs at least 3 studies to "
                f"choose the side ({res.k} given); give side='left' or 'right'"
            )
        side = _detect_side(res)
    if side not in ("left", "right"):
        raise ValueError("side must be 'left' or 'right'")

    sign = -1.0 if side == "right" else 1.0
    y_flip = sign * res.yi
    order = np.argsort(y_flip, kind="stable")
    y, v = y_flip[order], res.vi[order]
    k = res.k
    ones = np.ones((k, 1))

    k0, k0_prev, iterations = 0, -1, 0
    se_k0 = np.nan
    beta = np.nan
    while k0 != k0_prev:
        k0_prev = k0
        iterations += 1
        if iterations > maxiter:
            raise ValueError("trim and fill did not converge")
        keep = k - k0
        trimmed = _fit(
            y[:keep], v[:keep], ones[:keep], res.model, "z", res.level, control=res.control
        )
        beta = trimmed.estimate
        dev = y - beta
        # Deviations at rounding level are ties with the estimate, not signs: otherwise
        # identical effects make k0 oscillate on the last bit of the estimate.
        dev[np.abs(dev) <= 16 * np.finfo(float).eps * np.max(np.abs(y))] = 0.0
        signed = np.sign(dev) * rankdata(np.abs(dev), method="ordinal")
        if estimator == "R0":
            neg = -signed[signed < 0]
            k0_raw = k - (neg.max() if neg.size else 0) - 1
            se_k0 = np.sqrt(2 * max(0.0, k0_raw) + 2)
        else:
            s_r = np.sum(signed[signed > 0])
            k0_raw = (4 * s_r - k * (k + 1)) / (2 * k - 1)
            var_sr = (
                k * (k + 1) * (2 * k + 1)
                + 10 * k0_raw**3
                + 27 * k0_raw**2
                + 17 * k0_raw
                - 18 * k * k0_raw**2
                - 18 * k * k0_raw
                + 6 * k**2 * k0_raw
            ) / 24
            # The variance formula can turn negative (all deviations 0): NaN, as metafor.
            se_k0 = 4 * np.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else np.nan
        k0 = int(max(0, np.round(k0_raw)))
        k0 = min(k0, k - 1)
        se_k0 = max(0.0, float(se_k0)) if np.isfinite(se_k0) else np.nan

    if estimator == "R0":
        m = np.arange(-1, k0)
        p_k0 = float(1 - np.sum(comb(m + 1, m + 1) * 0.5 ** (m + 2)))
    else:
        p_k0 = np.nan

    if k0 == 0:
        return TrimfillResult(
            0,
            se_k0,
            side,
            estimator,
            p_k0,
            res,
            res.yi.copy(),
            res.vi.copy(),
            np.zeros(k, bool),
            iterations,
        )
    filled_y = sign * (2 * beta - y[k - k0 :])
    yi = np.concatenate([res.yi, filled_y])
    vi = np.concatenate([res.vi, v[k - k0 :]])
    ni = None if res.ni is None else np.concatenate([res.ni, res.ni[order][k - k0 :]])
    slab = None
    if res.slab is not None:
        slab = res.slab + tuple(f"Filled {j + 1}" for j in range(k0))
    fit = _fit(
        yi,
        vi,
        np.ones((yi.size, 1)),
        res.model,
        res.test,
        res.level,
        res.method,
        measure=res.measure,
        slab=slab,
        ni=ni,
        control=res.control,
    )
    fill = np.concatenate([np.zeros(k, bool), np.ones(k0, bool)])
    return TrimfillResult(k0, se_k0, side, estimator, p_k0, fit, yi, vi, fill, iterations)
