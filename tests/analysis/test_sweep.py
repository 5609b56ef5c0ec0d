"""Every public function of ``analysis.meta`` on k = 1, 2, 3 studies and extreme variances.

Each call either raises ``ValueError`` (``ConvergenceError`` is one) with a message, or
returns a result whose numbers are finite, except the fields listed in ``NAN_ALLOWED``,
which are NaN by definition (metafor reports NA there too). No ZeroDivisionError,
LinAlgError, OverflowError or numpy warning escapes.

The functions are enumerated from ``analysis.meta.__all__`` and given inputs by the name
of their first parameter, so a new public function is swept as soon as it is exported;
one whose first parameter is not known here fails ``test_every_public_function_is_swept``.
"""

import dataclasses
import inspect
import io
import warnings

import matplotlib
import matplotlib.figure
import matplotlib.pyplot
import numpy as np
import pytest

import analysis.meta as meta
from analysis.meta.estimators import FE_METHODS
from analysis.meta.proportion_ci import PROPORTION_CI_METHODS

matplotlib.use("Agg")

METHODS = ["FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"]

# (yi, vi) sets: k = 1, 2, 3 and variances at the edges of double precision.
STUDIES = {
    "k1": ([0.3], [0.04]),
    "k2": ([0.3, -0.1], [0.04, 0.09]),
    "k3": ([0.3, -0.1, 0.5], [0.04, 0.09, 0.02]),
    "k3_identical": ([0.2, 0.2, 0.2], [0.04, 0.09, 0.02]),
    "k3_equal_vi": ([0.3, -0.1, 0.5], [0.05, 0.05, 0.05]),
    "k3_vi_1e-300": ([0.3, -0.1, 0.5], [1e-300, 2e-300, 3e-300]),
    "k3_vi_1e300": ([0.3e150, -0.1e150, 0.5e150], [1e300, 2e300, 3e300]),
    "k3_vi_ratio_1e299": ([0.3, -0.1, 0.5], [1e-300, 0.1, 0.2]),
    "k3_vi_zero": ([0.3, -1.1, 1.5], [0.0, 0.09, 0.02]),
    "k3_vi_all_zero": ([0.3, -1.1, 1.5], [0.0, 0.0, 0.0]),
    "k4": ([0.3, -0.1, 0.5, 0.9], [0.04, 0.09, 0.02, 0.3]),
}
# 2x2 tables (ai, bi, ci, di) with zero cells, double zeros and all-event arms.
TABLES = {
    "k1": ([3], [17], [6], [14]),
    "k2": ([3, 5], [17, 15], [6, 9], [14, 11]),
    "k3": ([3, 5, 2], [17, 15, 30], [6, 9, 8], [14, 11, 24]),
    "k3_zero_cells": ([0, 5, 2], [17, 15, 30], [6, 0, 8], [14, 11, 0]),
    "k3_double_zero": ([0, 5, 0], [17, 15, 30], [0, 9, 0], [14, 11, 24]),
    "k2_all_events": ([20, 15], [0, 0], [20, 11], [0, 0]),
}
# Events and group sizes for single proportions.
PROPORTIONS = {
    "k1": ([3], [20]),
    "k2": ([3, 7], [20, 25]),
    "k3": ([3, 7, 1], [20, 25, 40]),
    "k3_zero_and_all": ([0, 25, 1], [20, 25, 40]),
    "k3_all_zero": ([0, 0, 0], [20, 25, 40]),
}
# Medians with range and quartiles.
SUMMARIES = {
    "k1": dict(minimum=[1.0], q1=[2.0], median=[3.0], q3=[4.0], maximum=[6.0], n=[3]),
    "k2": dict(minimum=[1, 0], q1=[2, 1], median=[3, 2], q3=[4, 3], maximum=[6, 5], n=[2, 5]),
    "k3_n1": dict(
        minimum=[1, 0, 1],
        q1=[2, 1, 1],
        median=[3, 2, 1],
        q3=[4, 3, 1],
        maximum=[6, 5, 1],
        n=[1, 5, 400],
    ),
}


def _groups(k):
    return {"groups": ["a", "b"] * (k // 2) + ["a"] * (k % 2)}


_EXTRA = {"subgroup": _groups, "glmm_subgroup": _groups}
_OUT_OF_SCOPE = ()


LIMIT = ("est", "ci_lb", "ci_ub")
_CALL = {}


def _int_only() -> bool:
    res = _CALL.get("args", (None,))[0]
    return isinstance(res, meta.RmaResult) and res.int_only


def _input_vi_zero() -> bool:
    res = _CALL.get("args", (None,))[0]
    return isinstance(res, meta.RmaResult) and _vi_zero(res)


def _input_res():
    return _CALL["args"][0]


def _hts_undefined(res) -> bool:
    return res.pi_type == "hts" and res.k - res.p - 1 < 1


def _pi_rows_undefined(r) -> bool:
    """NaN prediction bounds only in rows that failed or whose t has under one df."""
    min_k = {"z": 1, "t": 1 if r.test == "knha" else 2, "hts": 3}[r.pi_type]
    ok = np.isfinite(r.pi_lb) & np.isfinite(r.pi_ub)
    return bool(np.all(ok | ~r.converged | (r.k < min_k)))


def _infinite_z_at_se_zero(z, se) -> bool:
    """A test statistic is infinite only where its standard error is 0 (identical effects
    under Knapp-Hartung: metafor gives Inf too)."""
    z, se = np.asarray(z, dtype=float), np.asarray(se, dtype=float)
    return bool(np.all(np.isfinite(z) | (np.isinf(z) & (se == 0))))


def _vi_zero(res) -> bool:
    return bool(np.any(np.asarray(res.vi) == 0))


# Fields that are NaN by definition, with the condition. Keyed by result class name.
NAN_ALLOWED = {
    "RmaResult": {
        "se_tau2": lambda r: r.k == 1 or r.model in FE_METHODS,  # metafor: NA
        "ddf": lambda r: r.test == "z",  # no degrees of freedom for a z test
        # Depends on the moderators; meta's t(k - 2) needs three studies.
        "pi_lb": lambda r: not r.int_only or _hts_undefined(r),
        "pi_ub": lambda r: not r.int_only or _hts_undefined(r),
        "zval_beta": lambda r: _infinite_z_at_se_zero(r.zval_beta, r.se_beta),
        # Knapp-Hartung's F test with a residual variance of 0 (metafor: NA).
        **{f: (lambda r: r.test == "knha" and r.s2w == 0) for f in ("QM", "QM_p")},
        "Q": _vi_zero,  # Q weights by 1/vi (metafor: NA)
        "Q_p": _vi_zero,
        "I2": _vi_zero,
        "H2": _vi_zero,
    },
    "RegressionTest": {
        "statistic": lambda r: _infinite_z_at_se_zero(r.statistic, r.se),
        "ddf": lambda r: r.model == "rma",  # z test unless the model used Knapp-Hartung
        # The limit estimate needs an intercept-only model (Harbord and Peters have none).
        **{f: (lambda r: r.name in ("Harbord", "Peters") or not _int_only()) for f in LIMIT},
    },
    "TrimfillResult": {
        "p_k0": lambda r: r.estimator == "L0",
        # L0's variance formula is negative when every deviation is 0 (metafor: NaN).
        "se_k0": lambda r: r.k0 == 0 and np.ptp(r.yi) == 0,
    },
    # One study, or as many studies as coefficients: no heterogeneity to measure or test
    # (metafor's rma.glmm refuses k = 1 and gives NA for a saturated model).
    "GLMMResult": {
        **{
            f: (lambda r: r.k <= r.p)
            for f in ("I2", "H2", "vt", "QE_wald", "QE_wald_p", "QE_lrt", "QE_lrt_p")
        },
        # With moderators the prediction interval depends on their values (metafor: none).
        "pi_lb": lambda r: not r.int_only,
        "pi_ub": lambda r: not r.int_only,
    },
    # Refits that keep a study with vi = 0 have no Q (metafor: NA).
    "Leave1outResult": {
        **{f: (lambda r: _input_vi_zero()) for f in ("Q", "Q_p", "I2", "H2")},
        "zval": lambda r: _infinite_z_at_se_zero(r.zval, r.se),
    },
    "InfluenceResult": {"QE_del": lambda r: _input_vi_zero()},
    # Q-based H and I^2: undefined for one study, their interval for k = 2 with Q <= 2
    # (Higgins & Thompson's standard error; meta: NA), and NaN for a NaN Q (vi = 0).
    "QHeterogeneity": {
        **{f: (lambda r: r.df < 1 or np.isnan(r.Q)) for f in ("Q", "H", "I2")},
        **{
            f: (lambda r: r.df < 1 or np.isnan(r.Q) or (r.df == 1 and r.Q <= 2))
            for f in ("H_ci_lb", "H_ci_ub", "I2_ci_lb", "I2_ci_ub")
        },
    },
    "SubgroupResult": {
        # No between-group test with one subgroup; no common-tau^2 model with too few studies.
        "Q_between_p": lambda r: r.Q_between_df == 0,
        "QM": lambda r: r.mixed is None,
        "QM_p": lambda r: r.mixed is None,
    },
    # A prefix rma refuses (one study of variance 0) is a row of NaN, as metafor's NA.
    "CumulResult": {
        f: (
            lambda r, f=f: (
                not r.converged.all() or (f in ("Q", "Q_p", "I2", "H2") and _input_vi_zero())
            )
        )
        for f in (
            "estimate",
            "se",
            "zval",
            "pval",
            "ci_lb",
            "ci_ub",
            "Q",
            "Q_p",
            "tau2",
            "I2",
            "H2",
        )
    }
    | {"pi_lb": _pi_rows_undefined, "pi_ub": _pi_rows_undefined},
    "PredictResult": {
        "ddf": lambda r: _input_res().test != "knha",  # no degrees of freedom for a z test
        # meta's t(k - 2) convention has no interval below three studies (k - p - 1 < 1).
        **{f: (lambda r: _hts_undefined(_input_res())) for f in ("pi_lb", "pi_ub")},
    },
    # The common-tau^2 GLMM needs more studies than subgroups (or failed to converge).
    "GLMMSubgroupResult": {f: (lambda r: r.mixed is None) for f in ("QM", "QM_p")},
    "MHResult": {
        **{f: (lambda r: r.measure != "OR") for f in ("CMH", "CMH_p", "CO", "CO_p")},
        **{f: (lambda r: r.measure != "OR" or r.k_yi < 2) for f in ("BD", "BD_p", "TA", "TA_p")},
        # A risk difference of 0 with standard error 0 (no events, or only events), as in
        # metafor: no test.
        **{f: (lambda r: r.se == 0) for f in ("zval", "pval")},
    },
}


def _check_finite(obj, path="result"):
    """Recursively assert that every float in ``obj`` is finite unless allowed."""
    if isinstance(obj, (float, np.floating)):
        assert np.isfinite(obj), f"{path} is {obj}"
    elif isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(obj))
        assert bad.size == 0, f"{path}[{bad[0]}] is {obj.flat[bad[0]]}"
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _check_finite(value, f"{path}[{key!r}]")
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _check_finite(value, f"{path}[{i}]")
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        allowed = NAN_ALLOWED.get(type(obj).__name__, {})
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name in allowed and allowed[f.name](obj):
                continue
            if f.name in ("yi", "vi") and path != "result":
                continue  # inputs carried along, checked where they were produced
            _check_finite(value, f"{path}.{f.name}")


def _attempt(fn, *args, **kwargs) -> bool:
    """Call ``fn``: False for a ValueError with a message, True for a finite result."""
    _CALL["args"] = args
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            out = fn(*args, **kwargs)
        except ValueError as exc:
            assert str(exc), f"{fn.__name__} raised ValueError without a message"
            return False
    if isinstance(out, matplotlib.figure.Figure):
        matplotlib.pyplot.close(out)
    else:
        _check_finite(out)
    return True


def _fits():
    """Fitted models on every study set and method (those that fit), with their names."""
    out = []
    for name, (y, v) in STUDIES.items():
        # A log odds ratio of 1e150 is not one: plots would overflow exp().
        measure = "OR" if np.max(np.abs(y)) < 50 else None
        for method in METHODS:
            try:
                res = meta.rma(y, v, method=method, measure=measure)
            except ValueError:
                continue
            out.append((f"{name}-{method}", res))
        # The other prediction-interval conventions and Knapp-Hartung's test.
        for label, kwargs in (("hts", {"pi_type": "hts"}), ("knha", {"test": "knha"})):
            try:
                res = meta.rma(y, v, method="REML", measure=measure, **kwargs)
            except ValueError:
                continue
            out.append((f"{name}-REML-{label}", res))
        if len(y) >= 3:
            mods = np.arange(len(y), dtype=float)
            for method in ("FE", "REML"):
                try:
                    res = meta.rma(y, v, mods=mods, method=method)
                except ValueError:
                    continue
                out.append((f"{name}-{method}-mods", res))
    return out


FITS = _fits()


def _method(method):
    return {} if method is None else {"method": method}


def _calls_for(name, fn):
    """(label, args, kwargs) for one public function, chosen by its first parameter."""
    params = list(inspect.signature(fn).parameters)
    first = params[0]
    extra = _EXTRA.get(name, lambda k: {})
    if first == "res":
        return [(label, (res,), {}) for label, res in FITS]
    if first == "yi":
        return [
            (f"{label}-{method}", (y, v), {"method": method, **extra(len(y))})
            for label, (y, v) in STUDIES.items()
            for method in METHODS
        ]
    if name == "escalc":
        calls = []
        for label, (a, b, c, d) in TABLES.items():
            for measure in meta.MEASURES:
                if measure in ("RR", "OR", "RD", "PETO"):
                    calls.append((f"{label}-{measure}", (measure,), dict(ai=a, bi=b, ci=c, di=d)))
        for label, (x, n) in PROPORTIONS.items():
            for measure in ("PR", "PLN", "PLO", "PAS", "PFT"):
                calls.append((f"{label}-{measure}", (measure,), dict(xi=x, ni=n)))
        return calls
    if "ai" in params:
        calls = []
        for label, (a, b, c, d) in TABLES.items():
            kwargs = dict(ai=a, bi=b, ci=c, di=d)
            if "measure" in params:
                for measure in ("OR", "RR", "RD"):
                    calls.append((f"{label}-{measure}", (), {**kwargs, "measure": measure}))
            else:
                calls.append((label, (), kwargs))
        return calls
    if first == "xi":
        methods = ("ML", "FE") if name in ("rma_glmm", "glmm_subgroup") else (None,)
        return [
            (f"{label}-{method}", (x, n), {**_method(method), **extra(len(x))})
            for label, (x, n) in PROPORTIONS.items()
            for method in methods
        ]
    if first == "q":
        # Q and its df as fits report them, then Q at the edges of double precision.
        calls = [(label, (res.Q, res.Q_df), {}) for label, res in FITS]
        for q in (0.0, 1e-300, 0.5, 1.0, 2.0, 3.0, 1e300):
            calls += [(f"Q{q}-df{df}", (q, df), {}) for df in (0, 1, 2, 10)]
        return calls + [("Q-1", (-1.0, 2), {}), ("level0", (3.0, 2), {"level": 0})]
    if name == "proportion_ci_label":
        return [(m, (m,), {}) for m in (*PROPORTION_CI_METHODS, "exact", "")]
    if first == "measure" and "values" in params:
        return [
            (f"{measure}-k{k}", (measure, np.linspace(-1, 1, k)), {"ni": np.full(k, 30.0)})
            for measure in (None, *meta.MEASURES)
            for k in (1, 2, 3)
        ]
    if first in ("minimum", "median"):
        calls = []
        for label, values in SUMMARIES.items():
            accepted = {key: val for key, val in values.items() if key in params}
            calls.append((label, (), accepted))
            s1 = {key: val for key, val in accepted.items() if key not in ("q1", "q3")}
            calls.append((f"{label}-S1", (), s1))
        return calls
    if first == "steps":
        calls = []
        for label, res in FITS:
            if res.int_only and res.measure is not None:
                calls.append((label, (meta.cumul(res),), {}))
        return calls
    if first == "fig":
        res = meta.rma(*STUDIES["k2"])
        return [("k2", (meta.forest_plot(res), io.BytesIO()), {"format": "png"})]
    return None


PUBLIC = [
    name
    for name in meta.__all__
    if inspect.isfunction(getattr(meta, name)) and name not in _OUT_OF_SCOPE
]


def test_every_public_function_is_swept():
    unswept = [name for name in PUBLIC if not _calls_for(name, getattr(meta, name))]
    assert not unswept, f"give these functions sweep inputs in test_sweep.py: {unswept}"


@pytest.mark.parametrize("name", PUBLIC)
def test_small_and_extreme_inputs_give_an_answer_or_a_clear_error(name):
    fn = getattr(meta, name)
    calls = _calls_for(name, fn) or []
    answered = 0
    for label, args, kwargs in calls:
        try:
            answered += _attempt(fn, *args, **kwargs)
        except AssertionError as exc:
            raise AssertionError(f"{name}({label}): {exc}") from None
        except Exception as exc:  # noqa: BLE001 - the point is to name any other failure
            raise AssertionError(f"{name}({label}) raised {type(exc).__name__}: {exc}") from exc
    # Every function answers on ordinary data somewhere in the sweep.
    assert answered > 0, f"{name} refused every input"


# What metafor answers, the sweep must answer too (not just refuse).
@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("rma", "k1-REML"),
        ("rma", "k2-REML"),
        ("rma", "k3_vi_zero-REML"),
        ("rma", "k3_vi_all_zero-REML"),
        ("rma", "k3_vi_1e-300-PM"),
        ("regtest", "k2-FE"),
        ("trimfill", "k2-FE"),
        ("ranktest", "k2-REML"),
        ("regtest", "k3-REML"),
        ("trimfill", "k3-REML"),
        ("trimfill", "k3_vi_zero-REML"),
    ],
)
def test_metafor_answers_are_answered(name, label):
    fn = getattr(meta, name)
    call = next(c for c in _calls_for(name, fn) if c[0] == label)
    assert _attempt(fn, *call[1], **call[2])
