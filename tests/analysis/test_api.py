"""confint, cumul, predict and the fit statistics against metafor.

Reference values: tests/analysis/r/api_reference.R -> api_reference.json (dat.bcg,
dat.raudenbush1985, dat.hackshaw1998, dat.normand1999, dat.molloy2014 and a homogeneous
hand-made set; every tau^2 estimator, z and Knapp-Hartung tests, levels 95 and 90, with
and without moderators). metafor was run to tight tolerances there, so the comparisons
are 1e-10 relative for closed forms (FE, DL, HE, HS, SJ) and 1e-8 for everything that
rests on an iteration (ML, REML, EB and PM fits, Q-profile bounds).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.meta import (
    ConfintResult,
    CumulResult,
    PredictResult,
    confint,
    cumul,
    cumul_forest_plot,
    predict,
    regtest,
    rma,
    save_figure,
)

REF = json.loads((Path(__file__).parent / "r" / "api_reference.json").read_text())
CLOSED_FORM = {"FE", "DL", "HE", "HS", "SJ"}
RTOL_CLOSED, RTOL_ITER = 1e-10, 1e-8
# values that are 0 in theory (residuals of a perfect fit, tau^2 at the boundary)
ATOL = 1e-12


def arr(x):
    return np.atleast_1d(np.array([np.nan if v is None else v for v in np.atleast_1d(x)], float))


def close(actual, expected, rtol, what, atol=ATOL):
    """Relative agreement, with an absolute floor of rtol times the largest value of the
    vector: an element near 0 (a fitted value, a residual) is as exact as the rest."""
    want = arr(expected)
    finite = np.abs(want[np.isfinite(want)])
    floor = rtol * finite.max() if finite.size else 0.0
    np.testing.assert_allclose(arr(actual), want, rtol=rtol, atol=max(atol, floor), err_msg=what)


def rtol_of(case):
    return RTOL_CLOSED if case["method"] in CLOSED_FORM else RTOL_ITER


def fit(case):
    data = REF["data"][case["name"]]
    mods = None
    if case["mods_name"] != "none":
        mods = np.array(data["mods"][case["mods_name"]], float)
    return rma(
        arr(data["yi"]),
        arr(data["vi"]),
        method=case["method"],
        test=case["test"],
        level=case["level"],
        mods=mods,
    )


def case_id(case):
    return f"{case['name']}-{case['mods_name']}-{case['method']}-{case['test']}-{case['level']}"


def marked(cases):
    return [pytest.param(c, id=case_id(c)) for c in cases]


CASES = REF["fits"]


@pytest.mark.parametrize("case", marked(CASES))
def test_fitted_residuals_and_fit_statistics(case):
    res, want, rtol = fit(case), case["result"], rtol_of(case)
    close(res.tau2, want["tau2"], rtol, "tau2")
    close(res.beta, want["beta"], rtol, "beta")
    close(res.fitted, want["fitted"], rtol, "fitted")
    close(res.residuals, want["residuals"], rtol, "residuals")
    for column in ("ML", "REML"):
        got, ref = res.fit_stats[column], want["fit_stats"][column]
        for ours, theirs in (
            ("loglik", "ll"),
            ("deviance", "dev"),
            ("aic", "AIC"),
            ("bic", "BIC"),
            ("aicc", "AICc"),
        ):
            close(getattr(got, ours), ref[theirs], rtol, f"{column} {ours}", atol=rtol)
    assert res.parms == want["parms"]
    for name in ("loglik", "deviance", "aic", "bic", "aicc"):
        close(getattr(res, name), want[name], rtol, name, atol=rtol)


CONFINT_CASES = [c for c in CASES if "confint" in c["result"]]


@pytest.mark.parametrize("case", marked(CONFINT_CASES))
def test_confint_q_profile(case):
    res, want = fit(case), case["result"]["confint"]
    ci = confint(res)
    assert isinstance(ci, ConfintResult)
    for name in ("tau2", "tau", "I2", "H2"):
        close(tuple(getattr(ci, name)), want[name], RTOL_ITER, name)
    close([f.ci_lb for f in ci.fixed], want["fixed_lb"], RTOL_ITER, "fixed lb")
    close([f.ci_ub for f in ci.fixed], want["fixed_ub"], RTOL_ITER, "fixed ub")
    assert (ci.lb_sign, ci.ub_sign, ci.ci_null) == (
        want["lb_sign"],
        want["ub_sign"],
        want["ci_null"],
    )


def test_confint_covers_the_boundary_cases():
    signs = {(c["name"], c["result"]["confint"]["ci_null"]) for c in CONFINT_CASES}
    assert ("homog", True) in signs
    # an interval with its lower bound at 0 but not empty
    assert any(
        c["result"]["confint"]["tau2"][1] == 0 and not c["result"]["confint"]["ci_null"]
        for c in CONFINT_CASES
    )
    # tau^2 above metafor's default search limit of 100
    assert any(c["result"]["confint"]["tau2"][2] > 100 for c in CONFINT_CASES)


def _check_prediction(got: PredictResult, want, rtol, what):
    close(got.pred, want["pred"], rtol, f"{what} pred")
    if want["se"] is not None and not np.all(np.isnan(arr(want["se"]))):
        close(got.se, want["se"], rtol, f"{what} se")
    # A bound is pred -/+ crit * se: near 0 it is a difference of two larger numbers,
    # whose own relative accuracy is what can be asked of it.
    names = ["ci_lb", "ci_ub"] + (["pi_lb", "pi_ub"] if want.get("pi_lb") is not None else [])
    scale = np.max([np.abs(arr(want[n])) for n in ["pred", *names]])
    for name in names:
        close(getattr(got, name), want[name], rtol, f"{what} {name}", atol=rtol * scale)


# Knapp-Hartung's scaling of the variance absorbs the tau^2 gap in these predictions.
@pytest.mark.parametrize("case", marked(CASES))
def test_predict(case):
    res, want, rtol = fit(case), case["result"], rtol_of(case)
    if "predict" in want:
        _check_prediction(predict(res), want["predict"], rtol, "default")
    if "predict_new" in want:
        newmods = np.array(want["newmods"], float)
        _check_prediction(predict(res, newmods), want["predict_new"], rtol, "newmods")
        _check_prediction(
            predict(res, newmods, intercept=False), want["predict_noint"], rtol, "no intercept"
        )
        if "predict_exp" in want:
            got = predict(res, newmods, transf=np.exp)
            _check_prediction(got, want["predict_exp"], rtol, "exp")
            assert got.transformed and np.all(np.isnan(got.se))
    else:
        _check_prediction(predict(res, pi_type="riley"), want["predict_riley"], rtol, "riley")
        _check_prediction(predict(res, level=80), want["predict_level80"], rtol, "level 80")


CUMUL_CASES = [c for c in CASES if "cumul" in c["result"]]
CUMUL_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_p", "tau2", "I2", "H2")


@pytest.mark.parametrize("case", marked(CUMUL_CASES))
def test_cumul(case):
    res, want, rtol = fit(case), case["result"], rtol_of(case)
    runs = [(cumul(res), want["cumul"])]
    if "cumul_order" in want:
        runs.append((cumul(res, order=REF["data"][case["name"]]["order"]), want["cumul_order"]))
    for got, ref in runs:
        assert isinstance(got, CumulResult) and len(got) == res.k
        assert got.converged.all()
        # metafor's NA: its Fisher scoring did not converge for that prefix (normand1999
        # under ML and EB); those rows are checked against a fit of the prefix instead.
        missing = np.isnan(arr(ref["estimate"]))
        for name in CUMUL_FIELDS:
            ours, theirs = arr(getattr(got, name)), arr(ref[name])
            close(ours[~missing], theirs[~missing], rtol, name, atol=1e-10)
        yi, vi = res.yi[got.order], res.vi[got.order]
        for i in np.flatnonzero(missing):
            alone = rma(yi[: i + 1], vi[: i + 1], method=case["method"], test=case["test"])
            assert got.tau2[i] == pytest.approx(alone.tau2, rel=1e-6)
            assert got.estimate[i] == pytest.approx(alone.estimate, rel=1e-6)


def test_cumul_order_is_a_sort_key_with_ties_in_place():
    res = rma([0.1, 0.5, 0.3, 0.2], [0.01, 0.02, 0.03, 0.04], method="DL")
    got = cumul(res, order=[2001, 1999, 2001, 1999])
    assert list(got.order) == [1, 3, 0, 2]
    assert list(cumul(res, order=[2001, 1999, 2001, 1999], decreasing=True).order) == [0, 2, 1, 3]
    last = rma([0.5, 0.2, 0.1, 0.3], [0.02, 0.04, 0.01, 0.03], method="DL")
    assert got.estimate[-1] == pytest.approx(last.estimate, rel=1e-12)


def test_cumul_matches_separate_fits_on_wide_variances():
    # sampling variances over six orders of magnitude stress the series expansion
    rng = np.random.default_rng(7)
    vi = 10 ** rng.uniform(-6, 0, size=60)
    yi = rng.normal(0.3, np.sqrt(0.01 + vi))
    for method in ("DL", "SJ", "PM"):
        got = cumul(rma(yi, vi, method=method))
        for i in (1, 5, 30, 59):
            want = rma(yi[: i + 1], vi[: i + 1], method=method)
            for name in ("estimate", "se", "tau2", "I2"):
                assert getattr(got, name)[i] == pytest.approx(getattr(want, name), rel=1e-9)


def test_cumul_refuses_a_meta_regression():
    res = rma([0.1, 0.5, 0.3], [0.01, 0.02, 0.03], mods=[1.0, 2.0, 4.0], method="FE")
    with pytest.raises(ValueError, match="without moderators"):
        cumul(res)
    with pytest.raises(ValueError, match="'order' has 2 values"):
        cumul(rma([0.1, 0.5, 0.3], [0.01, 0.02, 0.03]), order=[1, 2])


def test_confint_refuses_what_metafor_refuses():
    with pytest.raises(ValueError, match="fixed-effect"):
        confint(rma([0.1, 0.5, 0.3], [0.01, 0.02, 0.03], method="FE"))
    with pytest.raises(ValueError, match="k = 1"):
        confint(rma([0.1], [0.01]))


def test_confint_reports_a_bound_beyond_the_search_interval():
    res = rma([0.0, 30.0, -25.0, 40.0], [0.01, 0.01, 0.01, 0.01], method="DL")
    ci = confint(res)
    assert ci.ub_sign == ">" and ci.tau2.ci_ub == ci.tau2_max == max(100.0, 10 * res.tau2)
    wider = confint(res, tau2_max=1e6)
    assert wider.ub_sign == "" and wider.tau2.ci_ub > ci.tau2.ci_ub


def test_predict_refuses_bad_newmods():
    res = rma([0.1, 0.5, 0.3, 0.4], [0.01, 0.02, 0.03, 0.02], mods=[[1, 2], [2, 1], [4, 0], [3, 3]])
    with pytest.raises(ValueError, match="the model has 2"):
        predict(res, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="without moderators"):
        predict(rma([0.1, 0.5, 0.3], [0.01, 0.02, 0.03]), [1.0])
    with pytest.raises(ValueError, match="unknown transf"):
        predict(res, [1.0, 2.0], transf="log")


def test_regtest_answers_to_zval():
    bcg = REF["data"]["bcg"]
    test = regtest(rma(arr(bcg["yi"]), arr(bcg["vi"])))
    assert test.zval == test.statistic
    assert test.zval == pytest.approx(REF["regtest_bcg"]["zval"], rel=RTOL_ITER)
    assert test.pval == pytest.approx(REF["regtest_bcg"]["pval"], rel=RTOL_ITER)


def test_cumulative_forest_plot_draws_every_step(tmp_path):
    bcg = REF["data"]["bcg"]
    res = rma(arr(bcg["yi"]), arr(bcg["vi"]), measure="RR", slab=[f"S{i}" for i in range(13)])
    steps = cumul(res, order=bcg["order"])
    fig = cumul_forest_plot(steps)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum(t.startswith("+ ") for t in texts) == 12
    assert any(t.startswith("S") for t in texts)
    save_figure(fig, tmp_path / "cumul.svg")
    assert (tmp_path / "cumul.svg").stat().st_size > 0


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("method", "tau2"), [("ML", 0.06), ("REML", 0.09)])
def test_cumul_with_negligible_sampling_variances(method, tau2):
    # vi ~ 1e-150: tau^2 is the variance of the outcomes (divisor k for ML, k - 1 for
    # REML), and the cubes of 1/vi the iteration uses overflow.
    yi, vi = np.array([0.1, 0.4, -0.2]), np.array([1e-150, 1e-150, 1e-149])
    with np.errstate(all="ignore"):
        res = rma(yi, vi, method=method)
    got = cumul(res)
    assert got.converged.all()
    assert got.tau2[-1] == pytest.approx(tau2, rel=1e-12)
    assert got.tau2[1] == pytest.approx(0.0225 if method == "ML" else 0.045, rel=1e-12)
    assert got.estimate[-1] == pytest.approx(0.1, rel=1e-9)
