"""Test of a pooled estimate against a null other than 0 on the analysis scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, stdtr


@dataclass(frozen=True)
class NullTest:
    null: float  # on the analysis scale
    zval: float  # a t statistic with ``ddf`` degrees of freedom when ddf is finite
    pval: float
    ddf: float


def test_against(estimate, se, null: float, ddf=np.nan) -> NullTest:
    """Wald test of ``estimate`` (scalar or array, with ``se``) against ``null``.

    The same statistic metafor's ``rma`` reports against 0, (estimate - null) / se, with the
    normal distribution, or Student's t with ``ddf`` degrees of freedom for Knapp-Hartung
    fits. For a single proportion the p-value metafor prints tests the transformed estimate
    against 0, which is a proportion of 0.5 on the logit scale, 1 on the log scale and 0 on
    the raw scale: a null only the reviewer can choose, so Concord shows no p-value unless
    one is set.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat
    Softw 36(3):1-48.
    """
    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (estimate - null) / se
    ddf = np.asarray(ddf, dtype=float)
    if np.all(np.isfinite(ddf)):
        p = 2 * stdtr(ddf, -np.abs(z))
    else:
        p = 2 * ndtr(-np.abs(z))
    scalar = z.ndim == 0
    return NullTest(float(null), float(z) if scalar else z, float(p) if scalar else p,
                    float(ddf) if ddf.ndim == 0 else ddf)
