"""Subgroup analyses and the two tests of subgroup differences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from .effect_sizes import EffectSizes
from .errors import as_study_array
from .model import rma
from .results import RmaResult


@dataclass(frozen=True, eq=False)
class SubgroupResult:
    """Per-subgroup fits and tests of subgroup differences.

    Attributes
    ----------
    groups : dict
        Label -> ``RmaResult`` fitted on that subgroup alone (its own tau^2).
    Q_between, Q_between_df, Q_between_p
        Test of differences with a separate tau^2 per subgroup: Cochran's Q across the
        subgroup estimates weighted by their inverse squared standard errors, G - 1 df
        (as RevMan and R's ``meta``).
    QM, QM_df, QM_p
        Test of differences with a common tau^2: the omnibus moderator test of the
        mixed-effects model ``rma(yi, vi, mods=~factor(groups))``. With
        ``test="knha"`` ``QM`` is an F statistic on (G - 1, k - G) df.
    mixed : RmaResult
        That mixed-effects model (first level is the reference).
    """

    groups: dict
    Q_between: float
    Q_between_df: int
    Q_between_p: float
    QM: float
    QM_df: int
    QM_p: float
    mixed: RmaResult | None


def _levels(labels: list) -> list:
    unique = list(dict.fromkeys(labels))
    try:
        return sorted(unique)
    except TypeError:
        return unique


def dummy_matrix(labels, levels) -> np.ndarray:
    """Treatment-coded dummies for all but the first level (R's ``factor`` contrasts)."""
    labels = np.asarray(labels, dtype=object)
    return np.column_stack([(labels == lev).astype(float) for lev in levels[1:]])


def subgroup(
    yi,
    vi=None,
    groups=None,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    measure: str | None = None,
    slab=None,
    ni=None,
    re_method: str = "REML",
    pi_type: str | None = None,
    control: dict | None = None,
) -> SubgroupResult:
    """Fit each subgroup separately and test for subgroup differences.

    Parameters
    ----------
    yi, vi : array_like or EffectSizes
        As for ``rma``.
    groups : sequence
        One label per study.
    method, test, level, re_method, pi_type, control
        Passed to ``rma`` for every subgroup (``pi_type`` only there) and for the
        mixed-effects model (with ``method="auto"`` each subgroup chooses for itself; the
        mixed-effects model then uses ``re_method``). ``control`` holds the settings of the
        iterative tau^2 estimators, as ``rma``'s.

    Returns
    -------
    SubgroupResult

    References
    ----------
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009).
    Introduction to meta-analysis, chapter 19. Wiley.
    Deeks, J. J., Higgins, J. P. T., & Altman, D. G. (2022). Analysing data and
    undertaking meta-analyses. Cochrane Handbook for Systematic Reviews of
    Interventions, version 6.3, chapter 10.11.3.
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
    Journal of Statistical Software, 36(3), 1-48.
    """
    if isinstance(yi, EffectSizes):
        vi = yi.vi if vi is None else vi
        measure = measure or yi.measure
        slab = slab if slab is not None else yi.slab
        ni = ni if ni is not None else yi.ni
        yi = yi.yi
    y = as_study_array("yi", yi)
    k = y.shape[0]
    v = as_study_array("vi", vi, k)
    if groups is None:
        raise ValueError("field 'groups' is required")
    labels = list(groups)
    if len(labels) != k:
        raise ValueError(f"field 'groups' has {len(labels)} values but {k} studies were given")
    for i, lab in enumerate(labels):
        if lab is None or (isinstance(lab, float) and np.isnan(lab)):
            raise ValueError(f"study {i}: field 'groups' is missing")
    levels = _levels(labels)
    lab_arr = np.asarray(labels, dtype=object)
    ni_arr = None if ni is None else np.asarray(ni, float)

    fits = {}
    for lev in levels:
        idx = np.flatnonzero(lab_arr == lev)
        fits[lev] = rma(
            y[idx],
            v[idx],
            method=method,
            test=test,
            level=level,
            measure=measure,
            slab=None if slab is None else [slab[i] for i in idx],
            ni=None if ni_arr is None else ni_arr[idx],
            re_method=re_method,
            pi_type=pi_type,
            control=control,
        )

    g = len(levels)
    if g < 2:
        return SubgroupResult(fits, 0.0, 0, np.nan, np.nan, 0, np.nan, None)
    est = np.array([r.estimate for r in fits.values()])
    w = 1 / np.array([r.se for r in fits.values()]) ** 2
    q_between = float(np.sum(w * (est - np.sum(w * est) / np.sum(w)) ** 2))
    q_p = float(chi2.sf(q_between, g - 1))

    mixed_method = re_method if method == "auto" else method
    needed = g if mixed_method in ("FE", "EE") else g + 1
    if needed > k:
        # Too few studies for G coefficients plus tau^2: the common-tau^2 test is undefined.
        mixed = None
    else:
        mixed = rma(
            y,
            v,
            method=mixed_method,
            test=test,
            level=level,
            mods=dummy_matrix(labels, levels),
            measure=measure,
            slab=slab,
            ni=ni,
            control=control,
        )
    return SubgroupResult(
        groups=fits,
        Q_between=q_between,
        Q_between_df=g - 1,
        Q_between_p=q_p,
        QM=np.nan if mixed is None else mixed.QM,
        QM_df=g - 1,
        QM_p=np.nan if mixed is None else mixed.QM_p,
        mixed=mixed,
    )
