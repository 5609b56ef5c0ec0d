"""Peto's one-step common-effect odds ratio for 2x2 tables (metafor's ``rma.peto``).

Computed from the raw cell counts, so tables with a zero cell need no continuity
correction; tables with no events, or no non-events, in both arms carry no information
(hypergeometric variance 0). The continuity correction (``add``, ``to``) only shapes the
per-study ``yi``/``vi`` kept for plots, and double-zero tables are left out of the count
``k_yi`` that gives Q its degrees of freedom, as in metafor with its defaults.

References
----------
Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and after
myocardial infarction: an overview of the randomized trials. Progress in Cardiovascular
Diseases 27(5):335-371.

Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal of
Statistical Software 36(3):1-48.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .heterogeneity_q import QHeterogeneityFields
from .mantel_haenszel import heterogeneity_summary, study_effects, two_by_two_tables, wald
from .model import alpha_from_level
from .results import Transformed
from .transforms import back_transform

__all__ = ["PetoResult", "rma_peto"]


@dataclass(frozen=True, eq=False)
class PetoResult(QHeterogeneityFields):
    """Fit of :func:`rma_peto`, with metafor's names for what ``rma.peto`` reports.

    ``estimate`` (metafor's ``beta``) and its interval are log odds ratios;
    ``transformed()`` gives odds ratios. ``k`` counts the tables, ``k_yi`` the studies
    left once double-zero tables are dropped, whose ``yi``/``vi`` are kept for plots.
    ``I2`` is a percentage.
    """

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
    yi: np.ndarray
    vi: np.ndarray
    measure: str = "PETO"
    method: str = "PETO"

    @property
    def beta(self) -> float:
        return self.estimate

    @property
    def tau2(self) -> float:
        return 0.0

    def transformed(self) -> Transformed:
        """Odds ratio and its confidence interval (also the prediction interval)."""
        est, lb, ub = back_transform("PETO", [self.estimate, self.ci_lb, self.ci_ub])
        return Transformed(float(est), float(lb), float(ub), float(lb), float(ub), transform="exp")


def rma_peto(
    *,
    ai=None,
    bi=None,
    ci=None,
    di=None,
    n1i=None,
    n2i=None,
    add: float = 0.5,
    to: str = "only0",
    level: float = 95,
) -> PetoResult:
    """Peto's common-effect log odds ratio.

    Parameters
    ----------
    ai, bi, ci, di : array_like
        Events and non-events in the first (``ai``, ``bi``) and second group; or give
        ``ai, n1i, ci, n2i`` (events and group sizes) instead.
    add, to
        Continuity correction of the per-study ``yi``/``vi`` only (see ``escalc``).
    level : float
        Confidence level in percent (0.95 is read as 95%).

    Returns
    -------
    PetoResult

    Raises
    ------
    ValueError
        For negative counts, events above a group size, fields of different lengths, no
        studies, or when every table lacks events or lacks non-events (no information).

    Notes
    -----
    With ``E_i = (a_i + c_i) n_1i / N_i`` and the hypergeometric variance
    ``V_i = (a_i + c_i)(b_i + d_i) n_1i n_2i / (N_i^2 (N_i - 1))``, the estimate is
    ``sum(a_i - E_i) / sum(V_i)`` with variance ``1 / sum(V_i)``, and
    ``Q = sum((a_i - E_i)^2 / V_i) - sum(a_i - E_i)^2 / sum(V_i)`` over tables with
    ``V_i > 0``, on ``k_yi - 1`` degrees of freedom (p-value 1 with fewer than two
    such tables).

    References
    ----------
    Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Progress in Cardiovascular
    Diseases 27(5):335-371.
    """
    a, b, c, d = two_by_two_tables(ai, bi, ci, di, n1i, n2i, "rma_peto")
    alpha_from_level(level)
    yi, vi = study_effects("PETO", a, b, c, d, add, to)

    n1, n2 = a + b, c + d
    N = n1 + n2
    xt, yt = a + c, b + d
    E = xt * n1 / N
    V = xt * yt * (n1 / N) * (n2 / N) / (N - 1)
    sV = V.sum()
    if sV == 0:
        raise ValueError(
            "Peto's method cannot be used: one of the two outcomes never occurred in any "
            "of the tables"
        )
    estimate = float((a - E).sum() / sV)
    se = float(np.sqrt(1 / sV))
    zval, pval, lb, ub = wald(estimate, se, level)

    pos = V > 0
    O_E = (a - E)[pos]
    Q = max(0.0, float((O_E**2 / V[pos]).sum() - O_E.sum() ** 2 / V[pos].sum()))
    k_yi = int(yi.shape[0])
    if pos.sum() > 1:
        Q_p, I2, H2 = heterogeneity_summary(Q, k_yi - 1)
    else:
        Q_p, I2, H2 = 1.0, 0.0, 1.0
    return PetoResult(
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
        yi=yi,
        vi=vi,
    )
