"""The pooling model an analysis chose, fitted and written down with its conventions.

Inverse variance goes through ``meta.rma``; Mantel-Haenszel and Peto through
``meta.rma_mh``/``meta.rma_peto`` on the 2x2 counts; the GLMMs through ``meta.rma_glmm`` on
the events and totals. The diagnostics that only an inverse-variance model has (leave-one-
out, influence, small-study tests, the funnel plot) keep using ``meta.rma``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis import meta
from analysis.conventions import I2_NAMES, PI_NAMES, PI_SHORT, POOLING_NAMES, pi_type
from analysis.meta.glmm_subgroups import q_between
from analysis.meta.plots._common import i2_from_tau2

COMMON_EFFECT = ("mh", "peto", "glmm-common")


def pooling_of(spec: dict) -> str:
    return spec.get("pooling", "iv")


def fit(spec: dict, counts: dict, labels, *, rma_fit=None):
    """The chosen model's fit. ``counts`` holds the escalc inputs as arrays (ai, n1i, ci,
    n2i or xi, ni); ``rma_fit`` is returned for inverse variance."""
    pooling = pooling_of(spec)
    level = spec["level"]
    if pooling == "iv":
        return rma_fit
    if pooling == "mh":
        return meta.rma_mh(
            measure=spec["measure"],
            ai=counts["ai"],
            n1i=counts["n1i"],
            ci=counts["ci"],
            n2i=counts["n2i"],
            level=level,
        )
    if pooling == "peto":
        return meta.rma_peto(
            ai=counts["ai"], n1i=counts["n1i"], ci=counts["ci"], n2i=counts["n2i"], level=level
        )
    return meta.rma_glmm(
        counts["xi"],
        counts["ni"],
        method="FE" if pooling == "glmm-common" else "ML",
        slab=list(labels),
        level=level,
        pi_type=pi_type(spec),
    )


class Labelled:
    """A Mantel-Haenszel or Peto fit with the labels of the studies behind its ``yi``, for
    the forest plot (those results carry no labels; double-zero tables have no ``yi``)."""

    def __init__(self, res, slab):
        self._res = res
        self.slab = tuple(slab)

    def __getattr__(self, name):
        return getattr(self._res, name)


def with_labels(res, counts: dict, labels):
    if str(getattr(res, "method", "")) not in ("MH", "PETO"):
        return res
    ai, ci = counts["ai"], counts["ci"]
    bi, di = counts["n1i"] - ai, counts["n2i"] - ci
    keep = ~(((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0)))
    labels = np.asarray(list(labels), dtype=object)
    return Labelled(res, labels[keep] if keep.sum() == len(res.yi) else labels)


def counts_of(rows) -> dict:
    """Escalc inputs of study rows (dicts of ``inputs``) as arrays, by argument name."""
    names = rows[0].keys() if rows else ()
    return {n: np.array([float(r[n]) for r in rows]) for n in names}


def _f(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def model_code(res) -> str:
    method = str(getattr(res, "method", ""))
    if method in ("MH", "PETO"):
        return method
    if str(getattr(res, "model", "")) == "glmm":
        return "GLMM-FE" if method == "FE" else "GLMM"
    return str(res.model)


def conventions(res, spec: dict) -> dict:
    """The I^2 from Q with its interval, the I^2 this analysis shows (and its name), the
    prediction interval's convention and the model's name."""
    h = res.q_heterogeneity
    q_based = spec.get("i2_convention", "tau2") == "Q" or not i2_from_tau2(res)
    if spec.get("i2_convention", "tau2") == "Q":
        shown, lb, ub = h.I2, h.I2_ci_lb, h.I2_ci_ub
    else:
        shown, lb, ub = res.I2, None, None
    pi = getattr(res, "pi_type", None)
    return {
        "I2_Q": _f(h.I2),
        "I2_Q_ci_lb": _f(h.I2_ci_lb),
        "I2_Q_ci_ub": _f(h.I2_ci_ub),
        "H_Q": _f(h.H),
        "H_Q_ci_lb": _f(h.H_ci_lb),
        "H_Q_ci_ub": _f(h.H_ci_ub),
        "I2_shown": _f(shown),
        "I2_shown_ci_lb": _f(lb),
        "I2_shown_ci_ub": _f(ub),
        "I2_label": "from Q" if q_based else "from τ²",
        # What the fit's own "I2" is, whichever is shown.
        "I2_source": "from τ²" if i2_from_tau2(res) else "from Q",
        "I2_name": I2_NAMES["Q"] if q_based else I2_NAMES["tau2"],
        "pooling": pooling_of(spec),
        "model_name": POOLING_NAMES[pooling_of(spec)],
        "common_effect": pooling_of(spec) in COMMON_EFFECT or model_code(res) == "FE",
        "pi_type": pi,
        "pi_name": PI_NAMES.get(pi, ""),
        "pi_short": PI_SHORT.get(pi, ""),
    }


def pooled_other(res, spec: dict) -> dict:
    """``compute.pooled`` for a Mantel-Haenszel, Peto or GLMM fit."""
    glmm = str(getattr(res, "model", "")) == "glmm"
    out = {
        "k": res.k,
        "model": model_code(res),
        "estimate": _f(res.estimate),
        "se": _f(res.se),
        "zval": _f(res.zval),
        "pval": _f(res.pval),
        "ci_lb": _f(res.ci_lb),
        "ci_ub": _f(res.ci_ub),
        "pi_lb": _f(res.pi_lb) if glmm else None,
        "pi_ub": _f(res.pi_ub) if glmm else None,
        "tau2": _f(res.tau2) if glmm else None,
        "I2": _f(res.I2),
        "H2": _f(res.H2),
        "Q": _f(res.Q),
        "Q_df": int(res.Q_df),
        "Q_p": _f(res.Q_p),
        "converged": bool(getattr(res, "converged", True)),
    }
    if glmm:
        values = [res.estimate, res.ci_lb, res.ci_ub, res.pi_lb, res.pi_ub]
        natural = meta.back_transform("PLO", values)
        out["natural"] = {
            "transform": "ilogit",
            **{
                n: _f(v)
                for n, v in zip(
                    ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"), natural, strict=True
                )
            },
            "caution": None,
        }
    else:
        t = res.transformed()
        out["natural"] = {
            "transform": t.transform,
            "estimate": _f(t.estimate),
            "ci_lb": _f(t.ci_lb),
            "ci_ub": _f(t.ci_ub),
            "pi_lb": None,
            "pi_ub": None,
            "caution": None,
        }
    return out | conventions(res, spec)


@dataclass(frozen=True)
class CommonSubgroups:
    """Separate common-effect fits per subgroup and meta's test between them, shaped as
    the forest plot expects (``groups`` and the ``Q_between`` fields)."""

    groups: dict
    Q_between: float
    Q_between_df: int
    Q_between_p: float
    QM: float = np.nan
    QM_df: int = 0
    QM_p: float = np.nan


def subgroups(spec: dict, counts: dict, labels, groups):
    """Per-subgroup fits of the chosen (non inverse-variance) model with the test between.

    GLMMs use ``meta.glmm_subgroup`` (with its common-tau^2 meta-regression test); Mantel-
    Haenszel and Peto fit each subgroup and compare the subgroup estimates with Cochran's
    Q, as R's meta does.
    """
    pooling = pooling_of(spec)
    if pooling.startswith("glmm"):
        return meta.glmm_subgroup(
            counts["xi"],
            counts["ni"],
            groups,
            method="FE" if pooling == "glmm-common" else "ML",
            slab=list(labels),
            level=spec["level"],
            pi_type=pi_type(spec),
        )
    levels = sorted(set(groups))
    fits = {}
    for lev in levels:
        idx = [i for i, g in enumerate(groups) if g == lev]
        part = {name: values[idx] for name, values in counts.items()}
        names = [labels[i] for i in idx]
        fits[str(lev)] = with_labels(fit(spec, part, names), part, names)
    qb, df, p = q_between([f.estimate for f in fits.values()], [f.se for f in fits.values()])
    return CommonSubgroups(fits, qb, df, p)
