"""Small and odd inputs: k = 1, 2, 3, sampling variances of 0 and of 1e-300.

Where metafor refuses, a ValueError naming the minimum; where it answers, its answer.
Reference values: r/convergence_reference.R -> r/convergence_reference.json.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.meta import influence, ranktest, regtest, rma, rma_mh, trimfill

REF = json.loads((Path(__file__).parent / "r" / "convergence_reference.json").read_text())
RTOL = 1e-8


def nan_if_none(x):
    return np.array([np.nan if v is None else v for v in np.atleast_1d(x)], float)


def close(actual, expected, rtol=RTOL, atol=1e-12):
    np.testing.assert_allclose(actual, nan_if_none(expected), rtol=rtol, atol=atol)


def _model(case):
    return rma(np.array(case["yi"]), np.array(case["vi"]), method=case["method"])


def _case_id(c):
    return f"k{c['k']}_{c['method']}"


@pytest.mark.parametrize("case", REF["small_k"], ids=_case_id)
def test_regtest_on_few_studies(case):
    res, expected = _model(case), case["regtest"]
    if "error" in expected:
        needed = 2 if case["method"] == "FE" else 3
        with pytest.raises(ValueError, match=f"regtest needs at least {needed} studies"):
            regtest(res)
        return
    reg = regtest(res)
    close(
        [reg.statistic, reg.pval, reg.est, reg.ci_lb, reg.ci_ub],
        [expected[f] for f in ("zval", "pval", "est", "ci_lb", "ci_ub")],
    )


@pytest.mark.parametrize("case", REF["small_k"], ids=_case_id)
def test_trimfill_on_few_studies(case):
    res = _model(case)
    for side, expected in (
        (None, case["trimfill"]),
        ("left", case["trimfill_left"]),
        ("right", case["trimfill_right"]),
    ):
        if "error" in expected:
            message = (
                "trim and fill needs at least 2 studies"
                if case["k"] == 1
                else "trim and fill after a random-effects model needs at least 3 studies"
            )
            with pytest.raises(ValueError, match=message):
                trimfill(res, side=side)
            continue
        tf = trimfill(res, side=side)
        assert tf.k0 == expected["k0"]
        if side is None:
            assert tf.side == expected["side"]
        close(
            [tf.fit.estimate, tf.fit.se, tf.fit.tau2],
            [expected["beta"], expected["se"], expected["tau2"]],
        )


@pytest.mark.parametrize("case", REF["small_k"], ids=_case_id)
def test_ranktest_on_few_studies(case):
    res, expected = _model(case), case["ranktest"]
    if "error" in expected:
        with pytest.raises(ValueError, match=r"ranktest needs at least 2 studies \(1 given\)"):
            ranktest(res)
        return
    rk = ranktest(res)
    close([rk.tau, rk.pval], [expected["tau"], expected["pval"]])


@pytest.mark.parametrize("case", REF["vi_zero"], ids=lambda c: f"{c['name']}_{c['method']}")
def test_sampling_variances_of_zero(case):
    expected = case["result"]
    if "error" in expected:
        with pytest.raises(ValueError, match=r"field 'vi' is 0"):
            _model(case)
        return
    res = _model(case)
    close(res.beta, expected["beta"])
    close(res.se_beta, expected["se"])
    close(res.tau2, expected["tau2"])
    close(res.se_tau2, expected["se_tau2"])
    close(res.weights, expected["weights"])
    # Q weights by 1/vi: NaN here, NA in metafor.
    assert np.isnan([res.Q, res.Q_p, res.I2, res.H2]).all()
    assert expected["Q"] is None and expected["I2"] is None


def test_zero_sampling_variances_reproduce_lm():
    ref = REF["lm"]
    y, ablat = np.array(ref["yi"]), np.array(ref["ablat"])
    res = rma(y, 0)
    close(res.beta, ref["intercept_only"]["beta"], rtol=1e-12)
    close(res.se_beta, ref["intercept_only"]["se"], rtol=1e-12)
    close(res.tau2, ref["intercept_only"]["sigma2"], rtol=1e-12)
    reg = rma(y, 0, mods=ablat)
    close(reg.beta, ref["regression"]["beta"])
    close(reg.se_beta, ref["regression"]["se"])
    close(reg.tau2, ref["regression"]["sigma2"])
    close(reg.se_tau2, ref["rma_ablat_reml"]["se_tau2"])


@pytest.mark.parametrize("case", REF["tiny_vi"], ids=lambda c: f"{c['name']}_{c['method']}")
def test_sampling_variances_of_1e_minus_300(case):
    res, expected = _model(case), case["result"]
    for field in ("beta", "se", "tau2", "Q", "I2", "H2"):
        got = res.beta if field == "beta" else res.se_beta if field == "se" else getattr(res, field)
        close(got, expected[field], atol=0)
    if expected["se_tau2"] is not None:
        close(res.se_tau2, expected["se_tau2"])
    elif case["method"] != "FE":
        # metafor's DL and HS overflow to NaN in tr(PP); the formula itself is finite.
        assert np.isfinite(res.se_tau2) and res.se_tau2 > 0


def test_a_zero_variance_needs_an_estimator_that_allows_it():
    y, v = [0.1, 0.5, -0.2, 0.3], [0.1, 0.0, 0.2, 0.1]
    for method in ("FE", "DL", "HS", "PM"):
        with pytest.raises(ValueError, match="study 1: field 'vi' is 0"):
            rma(y, v, method=method)
    with pytest.raises(ValueError, match="method 'auto' chooses by Cochran's Q"):
        rma(y, v, method="auto")
    # Identical outcomes: tau^2 is 0 and the study without error would have infinite weight.
    with pytest.raises(ValueError, match="study 1: field 'vi' is 0 and tau\\^2 is 0"):
        rma([0.2, 0.2, 0.2], [0.1, 0.0, 0.1], method="REML")


def test_diagnostics_refuse_inputs_they_cannot_use():
    res = rma([0.1, 1.5, -1.2, 0.9], [0.1, 0.0, 0.2, 0.1], method="REML")
    with pytest.raises(ValueError, match="study 1: field 'vi' is 0, which ranktest"):
        ranktest(res)
    with pytest.raises(ValueError, match=r"which regtest\(model='lm'\) cannot use"):
        regtest(res, model="lm")
    equal = rma([0.1, 0.5, -0.2, 0.3], [0.1] * 4, method="REML")
    with pytest.raises(ValueError, match="sampling variances are all equal"):
        ranktest(equal)
    with pytest.raises(ValueError, match="predictor 'sei' is constant or collinear"):
        regtest(equal)
    two = rma([0.1, 0.5], [0.1, 0.2], method="FE")
    with pytest.raises(ValueError, match=r"regtest needs at least 3 studies for model='lm' \(2"):
        regtest(two, model="lm")


def test_deletion_diagnostics_say_when_no_study_can_be_left_out():
    # metafor returns NA for every deletion statistic here.
    res = rma([0.3, -0.1, 0.5], [0.04, 0.09, 0.02], mods=[0.0, 1.0, 2.0], method="REML")
    with pytest.raises(ValueError, match=r"leave-one-out needs at least 4 studies .*3 given"):
        influence(res)


def test_mantel_haenszel_risk_ratio_with_only_events_is_refused():
    tables = dict(ai=[20, 15], bi=[0, 0], ci=[20, 11], di=[0, 0])
    with pytest.raises(ValueError, match="risk ratio has no standard error"):
        rma_mh(measure="RR", **tables)
    rd = rma_mh(measure="RD", **tables)
    assert (rd.estimate, rd.se) == (0.0, 0.0)


def test_trim_and_fill_on_identical_effects_has_no_se_for_k0():
    # metafor: k0 = 0 and se.k0 NaN (its variance formula is negative here).
    tf = trimfill(rma([0.2, 0.2, 0.2], [0.04, 0.09, 0.02], method="FE"), side="left")
    assert tf.k0 == 0 and np.isnan(tf.se_k0)


def test_extreme_variance_ratios_give_a_clear_error_or_an_answer():
    y, v = [0.3, -0.1, 0.5], [1e-300, 0.1, 0.2]
    fe = rma(y, v, method="FE")
    assert fe.estimate == pytest.approx(0.3) and np.isfinite(fe.I2)
    with pytest.raises(ValueError, match="more than double precision can resolve"):
        ranktest(fe)
