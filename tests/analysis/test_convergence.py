"""Scale-free convergence of the tau^2 estimators, and ``rma(control=...)``.

Reference values: r/convergence_reference.R -> r/convergence_reference.json (metafor 3.8-1
with its threshold and tol scaled by the square of the unit and tightened to 1e-14).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.meta import ConvergenceError, regtest, rma, trimfill
from analysis.meta.estimators import RE_METHODS, Control, make_control

REF = json.loads((Path(__file__).parent / "r" / "convergence_reference.json").read_text())
RTOL = 1e-8


def _fit(case, **kwargs):
    mods = np.array(case["mods"], float) if "mods" in case else None
    return rma(
        np.array(case["yi"]), np.array(case["vi"]), method=case["method"], mods=mods, **kwargs
    )


def _assert_matches(res, expected, vi):
    # Boundary values of tau^2 are 0 here and ~1e-15 in metafor, whose Fisher scoring
    # halves its way towards 0: the absolute floor is relative to the data.
    atol = 1e-10 * float(np.mean(vi))
    np.testing.assert_allclose(res.tau2, expected["tau2"], rtol=RTOL, atol=atol)
    np.testing.assert_allclose(res.beta, expected["beta"], rtol=RTOL)
    np.testing.assert_allclose(res.se_beta, expected["se"], rtol=RTOL)
    np.testing.assert_allclose(res.se_tau2, expected["se_tau2"], rtol=RTOL)


@pytest.mark.parametrize("case", REF["scaled"], ids=lambda c: f"bcg_x{c['unit']:g}_{c['method']}")
def test_rescaled_bcg_matches_metafor(case):
    _assert_matches(_fit(case), case["tight"], case["vi"])


@pytest.mark.parametrize(
    "case", REF["rare_rd"], ids=lambda c: f"{c['name']}_x{c['unit']:g}_{c['method']}"
)
def test_rare_event_risk_difference_regression_matches_metafor(case):
    _assert_matches(_fit(case), case["tight"], case["vi"])


@pytest.mark.parametrize("method", ["ML", "REML", "EB", "PM"])
@pytest.mark.parametrize("name", ["yusuf1985_table", "nielweise2007_year"])
def test_proportions_and_percentage_points_give_the_same_tau2(name, method):
    # metafor's defaults give ML tau^2 = 9.5e-6 in proportions and 3.25e-5 in percentage
    # points for yusuf1985 (the JSON's "default" entries); the answer must not depend on it.
    prop, pp = (
        _fit(c)
        for unit in (1, 100)
        for c in REF["rare_rd"]
        if c["name"] == name and c["method"] == method and c["unit"] == unit
    )
    assert pp.tau2 / 1e4 == pytest.approx(prop.tau2, rel=RTOL, abs=1e-16)
    np.testing.assert_allclose(pp.beta / 100, prop.beta, rtol=1e-10)


def test_reference_shows_metafor_defaults_depend_on_the_unit():
    # Guards the meaning of the reference: if metafor's defaults ever agreed here, the
    # rescaled cases above would no longer test anything that absolute tolerances break.
    pm = next(c for c in REF["scaled"] if c["unit"] == 1e-6 and c["method"] == "PM")
    assert abs(pm["default"]["tau2"] / pm["tight"]["tau2"] - 1) > 1


@st.composite
def studies(draw):
    k = draw(st.integers(3, 12))
    yi = draw(st.lists(st.floats(-3, 3), min_size=k, max_size=k))
    vi = draw(st.lists(st.floats(0.005, 2.0), min_size=k, max_size=k))
    with_mod = draw(st.booleans()) and k >= 4
    mods = draw(st.lists(st.floats(-2, 2), min_size=k, max_size=k)) if with_mod else None
    return np.array(yi), np.array(vi), None if mods is None else np.array(mods)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=studies(), method=st.sampled_from(RE_METHODS), log10c=st.floats(-8, 8))
def test_tau2_scales_with_the_square_of_the_unit(data, method, log10c):
    y, v, mods = data
    if mods is not None and np.ptp(mods) < 1e-3:
        mods = None
    c = 10.0**log10c
    a = rma(y, v, method=method, mods=mods)
    b = rma(c * y, c**2 * v, method=method, mods=mods)
    # Digits of tau^2 below ~1e-14 of the sampling variances change no weight and are
    # rounding error in any units; above that the agreement is relative.
    floor = 1e-13 * float(np.max(v))
    assert b.tau2 / c**2 == pytest.approx(a.tau2, rel=RTOL, abs=floor)
    np.testing.assert_allclose(b.beta / c, a.beta, rtol=1e-7, atol=1e-9 * np.sqrt(np.max(v)))


def _pm_data(tau2, unit):
    """Pairs of studies with opposite effects and equal variances: the weighted mean is 0
    at every tau^2, so Q(tau^2) = sum(y^2 / (v + tau^2)) and the PM root is known."""
    v = np.repeat([0.2, 0.5, 1.0, 2.0, 0.05], 2)
    base = np.repeat([1.0, 0.3, 2.0, 0.7, 0.1], 2) * np.tile([1, -1], 5)
    lam = np.sqrt((v.size - 1) / np.sum(base**2 / (v + tau2)))
    return unit * lam * base, unit**2 * v


@pytest.mark.parametrize("unit", [1e-8, 1.0, 1e8])
@pytest.mark.parametrize("tau2", [1.0, 1e-4, 1e-8, 1e-11, 1e-13, 1e-15, 0.0])
def test_paule_mandel_is_right_down_to_zero(tau2, unit):
    y, v = _pm_data(tau2, unit)
    res = rma(y, v, method="PM")
    # Below ~1e-15 of the variances Q(tau^2) is flat in double precision.
    assert res.tau2 / unit**2 == pytest.approx(tau2, rel=RTOL, abs=1e-15)
    assert res.tau2 >= 0


def test_control_keys_must_be_known():
    y, v = np.array(REF["scaled"][0]["yi"]), np.array(REF["scaled"][0]["vi"])
    with pytest.raises(ValueError, match=r"unknown control key\(s\) 'tol', 'verbose'"):
        rma(y, v, control={"tol": 1e-8, "verbose": True, "maxiter": 10})
    with pytest.raises(ValueError, match=r"'tau2\.init' \(did you mean 'tau2_init'\?\)"):
        rma(y, v, control={"tau2.init": 0.1})
    with pytest.raises(ValueError, match=r"'stepadj' \(did you mean 'step_adj'\?\)"):
        rma(y, v, control={"stepadj": 0.5})


@pytest.mark.parametrize(
    ("control", "message"),
    [
        ({"threshold": 0}, "control 'threshold' must be a finite positive number"),
        ({"threshold": "small"}, "control 'threshold' must be a number"),
        ({"step_adj": -1}, "control 'step_adj' must be a finite positive number"),
        ({"tau2_init": -0.1}, "control 'tau2_init' must be a finite non-negative number"),
        ({"tau2_init": float("nan")}, "control 'tau2_init' must be a finite non-negative"),
        ({"maxiter": 0}, "control 'maxiter' must be a positive integer"),
        ({"maxiter": 2.5}, "control 'maxiter' must be a positive integer"),
        ([("maxiter", 3)], "'control' must be a dict"),
    ],
)
def test_control_values_are_checked(control, message):
    with pytest.raises(ValueError, match=message):
        make_control(control)


def _bcg(method="REML"):
    return next(c for c in REF["scaled"] if c["unit"] == 1 and c["method"] == method)


@pytest.mark.parametrize("method", ["ML", "REML", "EB"])
def test_control_changes_the_path_but_not_the_answer(method):
    case = _bcg(method)
    default = _fit(case)
    damped = _fit(case, control={"step_adj": 0.5})
    far = _fit(case, control={"tau2_init": 5.0})
    at_root = _fit(case, control={"tau2_init": case["tight"]["tau2"]})
    assert damped.iterations > default.iterations
    assert at_root.iterations <= 2 < default.iterations
    for res in (damped, far, at_root):
        assert res.tau2 == pytest.approx(case["tight"]["tau2"], rel=RTOL)


def test_loose_threshold_stops_earlier_and_less_precisely():
    case = _bcg("ML")
    loose = _fit(case, control={"threshold": 1e-3})
    tight = _fit(case)
    assert loose.iterations < tight.iterations
    assert loose.tau2 != tight.tau2
    assert loose.tau2 == pytest.approx(case["tight"]["tau2"], rel=1e-2)


def test_too_few_iterations_raise_instead_of_returning_a_number():
    with pytest.raises(ConvergenceError, match="did not converge"):
        _fit(_bcg("REML"), control={"maxiter": 1})
    with pytest.raises(ConvergenceError, match="Paule-Mandel: root finding did not converge"):
        _fit(_bcg("PM"), control={"maxiter": 1})


def test_sidik_jonkman_starts_from_tau2_init():
    case = _bcg("SJ")
    y, v = np.array(case["yi"]), np.array(case["vi"])
    res = rma(y, v, method="SJ", control={"tau2_init": 0.2})
    # SJ is one step from its initial estimate: tau2 = tau2_0 * Q(tau2_0) / (k - 1).
    w = 1 / (v + 0.2)
    q = np.sum(w * (y - np.sum(w * y) / w.sum()) ** 2)
    assert res.tau2 == pytest.approx(0.2 * q / (y.size - 1), rel=1e-12)


def test_refits_reuse_the_control_of_the_model():
    control = {"threshold": 1e-3, "step_adj": 0.5}
    res = _fit(_bcg("REML"), control=control)
    assert res.control == Control(threshold=1e-3, step_adj=0.5)
    direct = rma(res.yi, res.vi, mods=np.sqrt(res.vi), control=control)
    assert regtest(res).coef == direct.beta[1]
    assert regtest(res).coef != rma(res.yi, res.vi, mods=np.sqrt(res.vi)).beta[1]
    assert trimfill(res).fit.control == res.control
