"""From a collected data set to the full results of one analysis, as plain JSON.

Everything numeric comes from ``analysis.meta``; this module only chooses what to call and
writes the answers down. Non-finite numbers become ``None`` (JSON has no NaN). A part
that cannot be computed (too few studies for a test, an estimator that does not converge)
records its error message instead of failing the whole run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import norm

from analysis import meta, pooling
from analysis.collect import DataSet
from analysis.conventions import pi_type
from analysis.measures import MEASURE_INPUTS
from analysis.meta.transforms import transform_name
from analysis.nulls import is_proportion, leave1out_pvals, null_test

NO_STUDIES = "No study has locked data for this analysis yet."
VARIANT_DROPS_ALL = "This sensitivity analysis leaves out every study."
TWO_BY_TWO_ONLY = "Needs 2×2 data (a binary outcome in two arms)."
NO_VALUES = "No study reports this field."
PROPORTION_MEASURES = ("PR", "PLN", "PLO", "PAS", "PFT")


def _f(x: Any) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def fit_kwargs(spec: dict) -> dict:
    return {
        "method": spec["method"],
        "re_method": spec["re_method"],
        "test": spec["test"],
        "level": spec["level"],
        "pi_type": pi_type(spec),
    }


def primary(spec: dict, data: DataSet, res):
    """The fit of the pooling model the analysis chose (``res`` for inverse variance)."""
    if pooling.pooling_of(spec) == "iv":
        return res
    labels = [r.label for r in data.rows]
    counts = pooling.counts_of([r.inputs for r in data.rows])
    return pooling.fit(spec, counts, labels)


def effect_sizes(measure: str, data: DataSet) -> meta.EffectSizes:
    labels = [r.label for r in data.rows]
    return meta.escalc(measure, slab=labels, **data.columns())


def pooled(res, spec: dict | None = None) -> dict:
    """The pooled row. For a single proportion the test is against the lead's null value
    (``spec["null_value"]``) or there is none (``analysis.nulls``); with ``spec`` the row also
    carries R meta's conventions the analysis chose (``analysis.pooling``)."""
    if not isinstance(res, meta.RmaResult):
        return pooling.pooled_other(res, spec or {})
    null = (spec or {}).get("null_value")
    out = {
        "k": res.k,
        "model": res.model,
        "estimate": _f(res.estimate),
        "se": _f(res.se),
        "zval": _f(res.zval),
        "pval": _f(res.pval),
        "ci_lb": _f(res.ci_lb),
        "ci_ub": _f(res.ci_ub),
        "pi_lb": _f(res.pi_lb),
        "pi_ub": _f(res.pi_ub),
        "tau2": _f(res.tau2),
        "I2": _f(res.I2),
        "H2": _f(res.H2),
        "Q": _f(res.Q),
        "Q_df": int(res.Q_df),
        "Q_p": _f(res.Q_p),
        "converged": bool(res.converged),
    }
    if is_proportion(res.measure):
        out["null"] = null_test(res, null)
        out["zval"] = out["null"]["zval"] if out["null"] else None
        out["pval"] = out["null"]["pval"] if out["null"] else None
    t = res.transformed()
    out["natural"] = {
        "transform": t.transform,
        "estimate": _f(t.estimate),
        "ci_lb": _f(t.ci_lb),
        "ci_ub": _f(t.ci_ub),
        "pi_lb": _f(t.pi_lb),
        "pi_ub": _f(t.pi_ub),
        "caution": t.caution,
    }
    return out | (pooling.conventions(res, spec) if spec is not None else {})


def _studies(data: DataSet, es, res, level: float, spec: dict | None = None) -> list[dict]:
    crit = float(norm.ppf(0.5 + level / 200))
    out = []
    weights = getattr(res, "weights", None)
    proportions = None
    if spec is not None and "xi" in data.columns() and es.measure in PROPORTION_MEASURES:
        # Each study's own proportion interval, as the forest plot draws it.
        c = data.columns()
        method = spec.get("study_ci", "clopper-pearson")
        proportions = meta.proportion_ci(c["xi"], c["ni"], method, level)
    for i, row in enumerate(data.rows):
        yi, vi = float(es.yi[i]), float(es.vi[i])
        half = crit * np.sqrt(vi)
        natural = meta.back_transform(es.measure, [yi, yi - half, yi + half], ni=row.n)
        if proportions is not None:
            natural = [proportions.estimate[i], proportions.ci_lb[i], proportions.ci_ub[i]]
        out.append(
            {
                "study_id": row.study_id,
                "label": row.label,
                "yi": _f(yi),
                "vi": _f(vi),
                "ci_lb": _f(yi - half),
                "ci_ub": _f(yi + half),
                "natural": {
                    "estimate": _f(natural[0]),
                    "ci_lb": _f(natural[1]),
                    "ci_ub": _f(natural[2]),
                },
                "weight": _f(weights[i]) if weights is not None else None,
                "n": _f(row.n),
                "inputs": row.inputs,
                "raw": row.raw,
                "fields": row.fields,
                "conversions": list(row.conversions),
            }
        )
        if proportions is not None:
            out[-1]["ci_label"] = meta.proportion_ci_label(proportions.method)
    return out


def _guard(fn, *args, **kwargs) -> dict:
    try:
        return fn(*args, **kwargs)
    except (ValueError, np.linalg.LinAlgError, meta.ConvergenceError) as exc:
        return {"error": str(exc)}


def _subgroups(spec: dict, data: DataSet, es) -> dict:
    name = spec["subgroup_field"]
    labels = [r.fields.get(name) for r in data.rows]
    keep = [i for i, g in enumerate(labels) if g not in (None, "")]
    kept = set(keep)
    without = [data.rows[i].label for i in range(data.k) if i not in kept]
    if not keep:
        return {"field": name, "error": NO_VALUES, "without_value": without}
    groups = [str(labels[i]) for i in keep]
    if pooling.pooling_of(spec) != "iv":
        return _other_subgroups(spec, data, keep, groups) | {
            "field": name,
            "without_value": without,
        }
    sg = meta.subgroup(
        es.yi[keep],
        es.vi[keep],
        groups,
        measure=spec["measure"],
        ni=es.ni[keep],
        slab=[data.rows[i].label for i in keep],
        **fit_kwargs(spec),
    )
    return {
        "field": name,
        "labels": groups,
        "studies": [data.rows[i].label for i in keep],
        "without_value": without,
        "groups": {str(g): pooled(r, spec) for g, r in sg.groups.items()},
        # Each study's weight within its own subgroup's fit: what the forest plot's squares
        # show, beside the overall weights of the studies table.
        "weights": {
            str(label): _f(w) for r in sg.groups.values() for label, w in zip(r.slab, r.weights, strict=True)
        },
        **_between(sg),
    }


def _between(sg) -> dict:
    """The test for subgroup differences and the mixed-effects model's test, as stored."""
    return {
        "Q_between": _f(sg.Q_between), "Q_between_df": int(sg.Q_between_df), "Q_between_p": _f(sg.Q_between_p),
        "QM": _f(sg.QM), "QM_df": int(sg.QM_df), "QM_p": _f(sg.QM_p),
    }


def _other_subgroups(spec: dict, data: DataSet, keep: list[int], groups: list[str]) -> dict:
    """Subgroups of a Mantel-Haenszel, Peto or GLMM analysis: separate fits and the test
    between them (and for GLMMs the common-tau^2 test)."""
    labels = [data.rows[i].label for i in keep]
    counts = pooling.counts_of([data.rows[i].inputs for i in keep])
    sg = pooling.subgroups(spec, counts, labels, groups)
    return {
        "labels": groups,
        "studies": labels,
        "groups": {str(g): pooled(r, spec) for g, r in sg.groups.items()},
        **_between(sg),
        "common_effect": pooling.pooling_of(spec) in pooling.COMMON_EFFECT,
    }


def flagged_outliers(inf: meta.InfluenceResult, z: float = 1.96) -> np.ndarray:
    """``meta.outliers`` from an influence result already computed: metafor's influence
    flag or |rstudent| > z. Recomputing the k deletion fits a third time (after
    ``leave1out`` and ``influence``) would be a third of a run's time for large k; a test
    holds this equal to ``meta.outliers``."""
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(inf.inf | (np.abs(inf.rstudent) > z))


def _variant(spec: dict, variant: dict, data: DataSet | None, main: DataSet, res, inf) -> dict:
    out = {"label": variant["label"], "kind": variant["kind"]}
    if variant["kind"] == "outliers":
        dropped = flagged_outliers(inf) if inf is not None else meta.outliers(res)
        keep = [i for i in range(main.k) if i not in set(dropped.tolist())]
        out["dropped"] = [main.rows[i].label for i in dropped]
        data = DataSet(main.measure, tuple(main.rows[i] for i in keep))
    else:
        kept = {r.study_id for r in data.rows}
        out["dropped"] = [r.label for r in main.rows if r.study_id not in kept]
    if data.k == 0:
        return {**out, "error": VARIANT_DROPS_ALL}
    es = effect_sizes(spec["measure"], data)
    out["pooled"] = pooled(primary(spec, data, meta.rma(es, **fit_kwargs(spec))), spec)
    return out


def _leave1out(res, null: float | None = None) -> list[dict]:
    """Each fit without one study, on the analysis scale (as exported) and the natural one
    (as shown beside the natural-scale pooled estimate)."""
    l1o = meta.leave1out(res)
    names = ("estimate", "ci_lb", "ci_ub", "Q", "Q_p", "tau2", "I2")
    pvals = leave1out_pvals(res, l1o, null)
    transform = transform_name(res.measure)
    out = []
    for i in range(res.k):
        # PFT back-transforms at the harmonic mean n of the studies that fit used.
        ni = np.delete(res.ni, i) if res.ni is not None else None
        natural = meta.back_transform(res.measure, [l1o.estimate[i], l1o.ci_lb[i], l1o.ci_ub[i]], ni=ni)
        out.append({
            "label": res.slab[i],
            **{n: _f(getattr(l1o, n)[i]) for n in names},
            "pval": _f(pvals[i]),
            "natural": {"transform": transform, "estimate": _f(natural[0]), "ci_lb": _f(natural[1]),
                        "ci_ub": _f(natural[2])},
        })
    return out


def _influence(res, inf) -> list[dict]:
    names = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight")
    return [
        {
            "label": res.slab[i],
            **{n: _f(getattr(inf, n)[i]) for n in names},
            "inf": bool(inf.inf[i]),
        }
        for i in range(res.k)
    ]


def _regression(test) -> dict:
    return {
        "name": test.name,
        "statistic": _f(test.statistic),
        "ddf": _f(test.ddf),
        "pval": _f(test.pval),
        "coef": _f(test.coef),
        "se": _f(test.se),
        "k": test.k,
        "est": _f(test.est),
        "ci_lb": _f(test.ci_lb),
        "ci_ub": _f(test.ci_ub),
    }


def _two_by_two(data: DataSet) -> tuple:
    c = data.columns()
    return c["ai"], c["n1i"] - c["ai"], c["ci"], c["n2i"] - c["ci"]


def _small_study(spec: dict, data: DataSet, res) -> dict:
    tests = spec["small_study_tests"]
    out: dict[str, dict] = {}
    two_by_two = (
        MEASURE_INPUTS[spec["measure"]].outcome_type == "binary"
        and MEASURE_INPUTS[spec["measure"]].two_arms
    )
    if "egger" in tests:
        out["egger"] = _guard(lambda: _regression(meta.regtest(res)))
    if "begg" in tests:
        out["begg"] = _guard(lambda: _rank(meta.ranktest(res)))
    for name, fn in (("harbord", meta.harbord), ("peters", meta.peters)):
        if name in tests:
            out[name] = (
                _guard(lambda fn=fn: _regression(fn(*_two_by_two(data))))
                if two_by_two
                else {"error": TWO_BY_TWO_ONLY}
            )
    if "trimfill" in tests:
        out["trimfill"] = _guard(lambda: _trimfill(meta.trimfill(res), spec))
    return out


def _rank(test) -> dict:
    return {"tau": _f(test.tau), "pval": _f(test.pval), "exact": bool(test.exact), "k": test.k}


def _trimfill(tf, spec: dict | None = None) -> dict:
    return {"k0": int(tf.k0), "side": tf.side, "estimator": tf.estimator, "pooled": pooled(tf.fit, spec)}


def compute(spec: dict, main: DataSet, variants: list[tuple[dict, DataSet | None]]) -> dict:
    """The full results of one analysis.

    ``variants`` pairs each sensitivity variant with its own collected data set (``None``
    for the outlier variant, which is derived from the main fit).
    """
    results: dict[str, Any] = {
        "measure": spec["measure"],
        "spec": spec,
        "k": main.k,
        "left_out": [
            {"study_id": x.study_id, "label": x.label, "reason": x.reason} for x in main.left_out
        ],
    }
    if main.k == 0:
        return {**results, "error": NO_STUDIES}
    try:
        es = effect_sizes(spec["measure"], main)
        res = meta.rma(es, **fit_kwargs(spec))
        chosen = primary(spec, main, res)
    except (ValueError, meta.ConvergenceError) as exc:
        return {**results, "error": _name_study(str(exc), main)}
    results["n_total"] = _f(sum(r.n for r in main.rows))
    results["pooled"] = pooled(chosen, spec)
    results["studies"] = _studies(main, es, chosen, spec["level"], spec)
    if spec["subgroup_field"]:
        results["subgroups"] = _guard(_subgroups, spec, main, es)
    try:
        inf = meta.influence(res) if res.k >= 2 else None
    except (ValueError, np.linalg.LinAlgError, meta.ConvergenceError) as exc:
        inf, results["influence"] = None, {"error": str(exc)}
    results["sensitivity"] = [
        _guard(_variant, spec, variant, data, main, res, inf) | {"label": variant["label"]}
        for variant, data in variants
    ]
    if res.k >= 2:
        results["leave1out"] = _guard(_leave1out, res, spec.get("null_value"))
    if inf is not None:
        results["influence"] = _influence(res, inf)
    results["small_study"] = _small_study(spec, main, res)
    return results


def _name_study(message: str, data: DataSet) -> str:
    """The engine names studies by 0-based index; a user knows them by label."""
    if message.startswith("study "):
        head, _, rest = message.partition(":")
        try:
            return f"{data.rows[int(head.split()[1])].label}:{rest}"
        except (ValueError, IndexError):
            return message
    return message
