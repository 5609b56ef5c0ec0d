"""The null a pooled estimate is tested against, and where it is drawn.

Two-arm measures and means are tested against no effect (0, or 1 for ratios), which is
what the engine's p-value means. A single proportion has no such null: metafor's p-value
tests the transformed proportion against 0 (0.5 on the logit scale), so Concord shows one
only against the null proportion the lead sets (``Analysis.null_value``).
"""

from __future__ import annotations

import numpy as np

from analysis import meta
from analysis.meta.null_test import test_against
from analysis.meta.transforms import to_measure_scale

PROPORTIONS = ("PR", "PLN", "PLO", "PAS", "PFT")
NO_NULL = "No p-value: a single proportion has no natural null; set a null proportion to test against one."


def is_proportion(measure: str) -> bool:
    return measure in PROPORTIONS


def null_on_scale(measure: str, null: float | None, ni) -> float | None:
    """The null on the analysis scale: the lead's proportion, 0 for other measures, None
    for a proportion without one."""
    if not is_proportion(measure):
        return 0.0
    if null is None:
        return None
    return to_measure_scale(measure, null, ni)


def null_test(res, null: float | None) -> dict | None:
    """{"value", "analysis_scale", "zval", "pval"} for a proportion with a null, else None."""
    if not is_proportion(res.measure) or null is None:
        return None
    theta0 = null_on_scale(res.measure, null, res.ni)
    t = test_against(res.estimate, res.se, theta0, res.ddf if res.test == "knha" else np.nan)
    return {"value": null, "analysis_scale": theta0, "zval": t.zval, "pval": t.pval}


def leave1out_pvals(res, l1o: meta.Leave1outResult, null: float | None) -> np.ndarray:
    """p-values of the leave-one-out fits against the same null as the main fit."""
    if not is_proportion(res.measure):
        return np.asarray(l1o.pval, dtype=float)
    if null is None:
        return np.full(res.k, np.nan)
    out = np.empty(res.k)
    for i in range(res.k):
        theta0 = null_on_scale(res.measure, null, np.delete(res.ni, i))
        # Each refit has one study fewer, so its Knapp-Hartung t has one df fewer.
        ddf = res.ddf - 1 if res.test == "knha" else np.nan
        out[i] = test_against(l1o.estimate[i], l1o.se[i], theta0, ddf).pval
    return out
