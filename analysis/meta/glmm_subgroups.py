"""Subgroup analyses of proportions pooled with a GLMM, as R's meta does them.

meta's ``metaprop(..., method = "GLMM", subgroup = )`` fits the GLMM separately in each
subgroup and tests for subgroup differences with Cochran's Q of the subgroup estimates,
each weighted by its inverse variance (the "between groups" Q with G - 1 df). The common-
tau^2 alternative metafor users fit is the GLMM meta-regression on the subgroup dummies,
whose omnibus test is reported beside it (``QM``).

References
----------
Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to Meta-Analysis,
chapter 19 (Q between subgroups). Wiley.

Schwarzer G, Carpenter JR, Rücker G (2015). Meta-Analysis with R, section 3.3.
Springer.

Stijnen T, Hamza TH, Ozdemir P (2010). Statistics in Medicine 29(29):3046-3067.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc

from .errors import ConvergenceError
from .glmm import GLMMResult, rma_glmm
from .subgroups import _levels, dummy_matrix


@dataclass(frozen=True)
class GLMMSubgroupResult:
    """Per-subgroup GLMM fits and the tests of subgroup differences.

    ``Q_between`` is meta's test from the separate fits (G - 1 df); ``QM`` the omnibus test
    of the subgroup dummies in one GLMM with a common tau^2 (NaN, with ``mixed`` None, when
    there are too few studies for it or it does not converge).
    """

    groups: dict[str, GLMMResult]
    method: str
    Q_between: float
    Q_between_df: int
    Q_between_p: float
    QM: float
    QM_df: int
    QM_p: float
    mixed: GLMMResult | None


def q_between(estimates, ses) -> tuple[float, int, float]:
    """Cochran's Q of subgroup estimates with inverse-variance weights: (Q, df, p)."""
    est = np.asarray(estimates, dtype=float)
    w = 1 / np.asarray(ses, dtype=float) ** 2
    centre = np.sum(w * est) / w.sum()
    q = float(np.sum(w * (est - centre) ** 2))
    df = est.size - 1
    return q, df, float(chdtrc(df, q)) if df > 0 else np.nan


def glmm_subgroup(
    xi,
    ni,
    groups,
    *,
    method: str = "ML",
    slab=None,
    nAGQ: int = 7,
    level: float = 95,
    pi_type: str | None = None,
) -> GLMMSubgroupResult:
    """Fit ``rma_glmm`` in each subgroup and test for subgroup differences.

    Parameters
    ----------
    xi, ni : array_like of int
        Events and sample size per study.
    groups : sequence
        Subgroup label per study (at least two distinct labels).
    method, nAGQ, level, pi_type
        As for :func:`rma_glmm`, used in every fit.

    Returns
    -------
    GLMMSubgroupResult
    """
    labels = list(groups)
    x = np.asarray(xi, dtype=float).ravel()
    n = np.asarray(ni, dtype=float).ravel()
    if len(labels) != x.size:
        raise ValueError(f"field 'groups' has {len(labels)} values but {x.size} studies were given")
    levels = _levels(labels)
    if len(levels) < 2:
        raise ValueError("subgroup analysis needs at least two subgroups")
    names = list(slab) if slab is not None else [f"Study {i + 1}" for i in range(x.size)]
    fits = {}
    for lev in levels:
        idx = [i for i, g in enumerate(labels) if g == lev]
        fits[str(lev)] = rma_glmm(
            x[idx],
            n[idx],
            method=method,
            slab=[names[i] for i in idx],
            nAGQ=nAGQ,
            level=level,
            pi_type=pi_type,
        )
    qb, qb_df, qb_p = q_between([f.estimate for f in fits.values()], [f.se for f in fits.values()])
    mixed = None
    g = len(levels)
    if x.size >= g + (method.upper() != "FE"):
        try:
            mixed = rma_glmm(
                x, n, mods=dummy_matrix(labels, levels), method=method, nAGQ=nAGQ, level=level
            )
        except (ValueError, ConvergenceError):
            mixed = None
    return GLMMSubgroupResult(
        groups=fits,
        method=method.upper(),
        Q_between=qb,
        Q_between_df=qb_df,
        Q_between_p=qb_p,
        QM=mixed.QM if mixed is not None else np.nan,
        QM_df=mixed.QM_df if mixed is not None else g - 1,
        QM_p=mixed.QM_p if mixed is not None else np.nan,
        mixed=mixed,
    )
