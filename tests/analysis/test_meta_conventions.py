"""R meta's conventions against R: tests/analysis/r/meta_conventions_reference.R.

- I^2 and H from Q with Higgins & Thompson's intervals, prediction intervals, Clopper-
  Pearson and Wilson intervals, the table-based conversions: closed forms, 1e-10 relative.
  Q, I2 and tau^2 of iterative fits (REML) come from metafor's own fit and are compared at
  1e-8.
- Wan's tables: the published three-decimal values against the exact expectations
  integrated in R, within their rounding (a few published values are 1 in the last digit
  high, e.g. xi(12) = 3.259 for 3.25846, so 6e-4).
- rma.glmm: the common-effect model is a logistic regression that both sides fit to
  machine precision, 1e-8; the random-effects models with moderators are compared as in
  test_glmm.py (lme4's estimates to 1e-6, its finite-difference standard errors to 3e-6).
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from analysis.meta import (
    glmm_subgroup,
    median_to_mean_sd,
    proportion_ci,
    q_heterogeneity,
    rma,
    rma_glmm,
    shi_sd,
    wan_sd,
)
from analysis.meta.wan_tables import ETA, XI, eta_table, xi_table

REF = json.loads((Path(__file__).parent / "r" / "meta_conventions_reference.json").read_text())
CLOSED = 1e-10
ITERATIVE = 1e-8


def _close(got, want, rtol, atol=1e-12):
    if want is None:
        return math.isnan(got)
    return bool(np.isclose(got, want, rtol=rtol, atol=atol))


def _i2q_id(ref):
    return f"{ref['name']}-{ref['method']}-{ref['level']}"


@pytest.mark.parametrize("ref", REF["i2q"], ids=_i2q_id)
def test_i2_from_q_matches_formula_on_metafor_fits(ref):
    res = rma(ref["yi"], ref["vi"], method=ref["method"], level=ref["level"])
    tol = CLOSED if ref["method"] in ("FE", "DL") else ITERATIVE
    assert _close(res.Q, ref["Q"], CLOSED)
    assert res.Q_df == ref["Q_df"]
    # metafor's tau^2-based I^2 stays what it was, beside the new one.
    assert _close(res.I2, ref["I2"], tol)
    for name in ("I2_Q", "I2_Q_ci_lb", "I2_Q_ci_ub", "H_Q", "H_Q_ci_lb", "H_Q_ci_ub"):
        assert _close(getattr(res, name), ref[name], CLOSED), name


def test_i2_from_q_of_a_meta_regression_uses_residual_q():
    ref = REF["i2q_mods"]
    res = rma(ref["yi"], ref["vi"], mods=ref["mods"])
    assert res.Q_df == ref["Q_df"]
    for name in ("I2_Q", "I2_Q_ci_lb", "I2_Q_ci_ub", "H_Q", "H_Q_ci_lb", "H_Q_ci_ub"):
        assert _close(getattr(res, name), ref[name], ITERATIVE), name


def test_i2_from_q_is_metafors_i2_for_a_fixed_effect_model():
    for ref in (r for r in REF["i2q"] if r["method"] == "FE"):
        res = rma(ref["yi"], ref["vi"], method="FE")
        assert res.I2_Q == pytest.approx(res.I2, rel=1e-12, abs=1e-12), ref["name"]


def test_i2_from_q_is_nan_for_one_study():
    h = q_heterogeneity(0.0, 0)
    assert all(math.isnan(v) for v in (h.I2, h.I2_ci_lb, h.H, h.H_ci_ub))
    res = rma([0.3], [0.04])
    assert math.isnan(res.I2_Q)


def test_q_heterogeneity_refuses_negative_q_and_bad_level():
    with pytest.raises(ValueError, match="Q must not be negative"):
        q_heterogeneity(-1.0, 3)
    with pytest.raises(ValueError, match="'level' must lie in"):
        q_heterogeneity(5.0, 3, level=100)


def test_i2_from_q_on_mantel_haenszel_peto_and_glmm_results():
    from analysis.meta import rma_mh, rma_peto

    ai, bi, ci, di = [4, 6, 3, 9], [16, 14, 17, 11], [8, 10, 4, 12], [12, 10, 16, 8]
    for res in (rma_mh(ai=ai, bi=bi, ci=ci, di=di), rma_peto(ai=ai, bi=bi, ci=ci, di=di)):
        want = q_heterogeneity(res.Q, res.Q_df, 95)
        assert res.I2_Q == want.I2 and res.I2_Q_ci_ub == want.I2_ci_ub
    g = rma_glmm([4, 9, 20], [20, 25, 40])
    assert g.I2_Q == q_heterogeneity(g.QE_wald, g.QE_df).I2


def _pi_id(ref):
    return f"{ref['name']}-{ref['method']}-{ref['test']}-{ref['level']}"


@pytest.mark.parametrize("ref", REF["pis"], ids=_pi_id)
def test_prediction_intervals(ref):
    tol = CLOSED if ref["method"] in ("FE", "DL") else ITERATIVE
    test = "knha" if ref["test"] == "knha" else "z"
    # metafor's test="t" is a normal-theory fit whose intervals use t(k - p): here
    # pi_type="t" on a z fit.
    pi_type = "t" if ref["test"] == "t" else None
    res = rma(
        ref["yi"], ref["vi"], method=ref["method"], test=test, level=ref["level"], pi_type=pi_type
    )
    if ref["method"] == "FE":
        # metafor gives none for a fixed-effect model; the engine's is the CI (tau^2 = 0).
        assert ref["pi_lb"] is None
        if pi_type is None:
            assert res.pi_lb == pytest.approx(res.ci_lb, rel=1e-12)
    else:
        assert _close(res.pi_lb, ref["pi_lb"], tol) and _close(res.pi_ub, ref["pi_ub"], tol)
    assert res.pi_type == ("t" if ref["test"] != "z" else "z")
    hts = rma(
        ref["yi"], ref["vi"], method=ref["method"], test=test, level=ref["level"], pi_type="hts"
    )
    assert _close(hts.pi_lb, ref["hts_lb"], tol) and _close(hts.pi_ub, ref["hts_ub"], tol)
    assert hts.pi_type == "hts"
    assert hts.ci_lb == res.ci_lb


def test_hts_prediction_interval_needs_three_studies():
    res = rma([0.1, 0.5], [0.04, 0.05], method="DL", pi_type="hts")
    assert math.isnan(res.pi_lb) and math.isnan(res.pi_ub)


def test_unknown_pi_type_is_refused():
    with pytest.raises(ValueError, match="unknown pi_type 'x'; expected one of z, t, hts"):
        rma([0.1, 0.5, 0.2], [0.04, 0.05, 0.03], pi_type="x")


def _prop_id(ref):
    return f"{ref['x']}of{ref['n']}-{ref['level']}"


@pytest.mark.parametrize("ref", REF["proportions"], ids=_prop_id)
def test_proportion_intervals(ref):
    cp = proportion_ci(ref["x"], ref["n"], "clopper-pearson", ref["level"])
    ws = proportion_ci(ref["x"], ref["n"], "wilson", ref["level"])
    assert _close(cp.ci_lb[0], ref["cp_lb"], CLOSED) and _close(cp.ci_ub[0], ref["cp_ub"], CLOSED)
    assert _close(ws.ci_lb[0], ref["wilson_lb"], CLOSED)
    assert _close(ws.ci_ub[0], ref["wilson_ub"], CLOSED)
    assert cp.estimate[0] == ref["x"] / ref["n"]


def test_proportion_interval_defaults_to_clopper_pearson_and_names_bad_input():
    assert proportion_ci([3], [10]).method == "clopper-pearson"
    with pytest.raises(ValueError, match=r"study 1: need 0 <= xi <= ni and ni >= 1, got 12/10"):
        proportion_ci([3, 12], [10, 10])
    with pytest.raises(ValueError, match="unknown proportion interval 'wald'"):
        proportion_ci([3], [10], "wald")


def test_wan_tables_agree_with_exact_expectations_within_rounding():
    wan = REF["wan"]
    assert list(XI) == wan["table1"] and list(ETA) == wan["table2"]
    assert np.max(np.abs(np.array(XI) - wan["xi_exact"])) < 6e-4
    assert np.max(np.abs(np.array(ETA) - wan["eta_exact"])) < 6e-4


def test_wan_table_lookup_follows_meta():
    assert xi_table(np.array([3]))[0] == 1.693
    # n = 6..9 share Table 2's row Q = 2 (meta reads ceiling((n - 1) / 4)).
    assert list(eta_table(np.array([6, 9, 10]))) == [1.144, 1.144, 1.206]
    assert math.isnan(eta_table(np.array([202]))[0])


@pytest.mark.parametrize("ref", REF["wan"]["conversions"], ids=lambda r: f"n={r['n']}")
def test_table_based_conversions_match_meta_formulas(ref):
    a, q1, m, q3, b, n = (ref[k] for k in ("minimum", "q1", "median", "q3", "maximum", "n"))
    s1 = median_to_mean_sd(minimum=a, median=m, maximum=b, n=n, tables=True)
    assert _close(float(s1.mean), ref["S1"]["luo_mean"], CLOSED)
    assert _close(float(s1.sd), ref["S1"]["sd"], CLOSED)
    s2 = median_to_mean_sd(q1=q1, median=m, q3=q3, n=n, tables=True)
    assert _close(float(s2.mean), ref["S2"]["luo_mean"], CLOSED)
    assert _close(float(s2.sd), ref["S2"]["sd"], CLOSED)
    s3 = median_to_mean_sd(minimum=a, q1=q1, median=m, q3=q3, maximum=b, n=n, tables=True)
    assert _close(float(s3.mean), ref["S3"]["luo_mean"], CLOSED)
    assert _close(float(s3.sd), ref["S3"]["shi_sd"], CLOSED)
    w3 = median_to_mean_sd(
        minimum=a, q1=q1, median=m, q3=q3, maximum=b, n=n, method="wan", tables=True
    )
    assert _close(float(w3.mean), ref["S3"]["wan_mean"], CLOSED)
    assert _close(float(w3.sd), ref["S3"]["wan_sd"], CLOSED)
    assert _close(float(wan_sd(q1=q1, q3=q3, n=n, tables=True)), ref["S2"]["sd"], CLOSED)
    assert _close(float(shi_sd(minimum=a, maximum=b, n=n, tables=True)), ref["S1"]["sd"], CLOSED)


def test_tables_change_small_sample_sds_by_up_to_a_quarter():
    closed = float(wan_sd(q1=1, q3=4, n=3))
    table = float(wan_sd(q1=1, q3=4, n=3, tables=True))
    assert closed / table - 1 == pytest.approx(0.2508, abs=1e-3)
    assert float(wan_sd(q1=1, q3=4, n=500, tables=True)) == float(wan_sd(q1=1, q3=4, n=500))


def _glmm_id(ref):
    return f"{ref['name']}-{ref['method']}"


def _glmm_fit(ref):
    mods = ref["mods"] if isinstance(ref["mods"], list) else None
    return rma_glmm(ref["xi"], ref["ni"], method=ref["method"], mods=mods)


@pytest.mark.parametrize("ref", REF["glmm"], ids=_glmm_id)
def test_glmm_common_effect_and_moderators_match_metafor(ref):
    res = _glmm_fit(ref)
    fe = ref["method"] == "FE"
    est_tol, se_tol = (ITERATIVE, ITERATIVE) if fe else (1e-6, 3e-6)
    beta = np.atleast_1d(ref["beta"])
    se = np.atleast_1d(ref["se"])
    assert res.k == ref["k"] and res.p == ref["p"] and res.QE_df == ref["QE_df"]
    assert np.allclose(res.beta, beta, rtol=est_tol, atol=1e-12)
    assert np.allclose(res.se_beta, se, rtol=se_tol)
    assert np.allclose(res.ci_lb_beta, np.atleast_1d(ref["ci_lb"]), rtol=se_tol, atol=1e-10)
    assert np.allclose(res.ci_ub_beta, np.atleast_1d(ref["ci_ub"]), rtol=se_tol, atol=1e-10)
    assert _close(res.tau2, ref["tau2"], est_tol)
    assert _close(res.vt, ref["vt"], CLOSED)
    assert _close(res.I2, ref["I2"], est_tol) and _close(res.H2, ref["H2"], est_tol)
    if ref["QE_wald"] is not None:
        assert _close(res.QE_lrt, ref["QE_lrt"], ITERATIVE)
        assert _close(res.QE_wald, ref["QE_wald"], 1e-6)
    else:
        # With a single 0/1 dummy metafor cannot invert the saturated model's Hessian and
        # reports QE.Wld = NA, QE.LRT = 0. The residual tests then split exactly into the
        # two groups' own tests.
        dummy = np.asarray(ref["mods"]) == 1
        x, n = np.asarray(ref["xi"]), np.asarray(ref["ni"])
        parts = [rma_glmm(x[g], n[g], method="FE") for g in (dummy, ~dummy)]
        assert res.QE_lrt == pytest.approx(sum(f.QE_lrt for f in parts), rel=1e-10)
        assert res.QE_wald == pytest.approx(sum(f.QE_wald for f in parts), rel=1e-10)
    # QM is a squared z: twice the relative error of the standard errors.
    assert _close(res.QM, ref["QM"], ITERATIVE if fe else 1e-5)
    if fe:
        # For nAGQ > 1, lme4's logLik is relative to the saturated model; only the
        # common-effect log-likelihood (glm's) is comparable.
        assert _close(res.loglik, ref["loglik"], ITERATIVE)
    if res.p == 1 and fe:
        assert ref["pi_lb"] is None  # metafor: none for a common-effect model
        assert res.pi_lb == pytest.approx(res.ci_lb, rel=1e-12)
        assert res.pi_ub == pytest.approx(res.ci_ub, rel=1e-12)
    elif res.p == 1:
        assert _close(res.pi_lb, ref["pi_lb"], se_tol) and _close(res.pi_ub, ref["pi_ub"], se_tol)
    else:
        assert math.isnan(res.pi_lb)


@pytest.mark.parametrize("ref", REF["glmm_subgroups"], ids=_glmm_id)
def test_glmm_subgroups_match_separate_metafor_fits(ref):
    res = glmm_subgroup(ref["xi"], ref["ni"], ref["groups_of_studies"], method=ref["method"])
    fe = ref["method"] == "FE"
    assert sorted(res.groups) == sorted(ref["groups"])
    for label, want in ref["groups"].items():
        got = res.groups[label]
        assert _close(got.estimate, want["beta"], ITERATIVE if fe else 1e-6)
        assert _close(got.se, want["se"], ITERATIVE if fe else 3e-6)
        assert _close(got.tau2, want["tau2"], ITERATIVE if fe else 1e-6)
    assert res.Q_between_df == ref["Q_between_df"]
    assert _close(res.Q_between, ref["Q_between"], ITERATIVE if fe else 1e-5)
    assert _close(res.Q_between_p, ref["Q_between_p"], ITERATIVE if fe else 1e-5)


def test_glmm_hts_prediction_interval_uses_k_minus_2():
    ref = next(r for r in REF["glmm"] if r["name"] == "pritz1997")
    z = rma_glmm(ref["xi"], ref["ni"])
    hts = rma_glmm(ref["xi"], ref["ni"], pi_type="hts")
    from scipy.stats import norm, t

    ratio = t.ppf(0.975, z.k - 2) / norm.ppf(0.975)
    assert (hts.pi_ub - hts.estimate) == pytest.approx((z.pi_ub - z.estimate) * ratio, rel=1e-12)
    assert hts.pi_type == "hts" and z.pi_type == "z"


def test_glmm_refuses_unknown_method_and_too_few_studies():
    with pytest.raises(ValueError, match="unknown method 'REML'; expected one of ML, FE"):
        rma_glmm([3, 4], [10, 12], method="REML")
    with pytest.raises(ValueError, match="2 studies are too few to estimate 2 coefficient"):
        rma_glmm([3, 4], [10, 12], mods=[1.0, 2.0])
    with pytest.raises(ValueError, match="collinear"):
        rma_glmm([3, 4, 5], [10, 12, 14], mods=[1.0, 1.0, 1.0])


def test_glmm_common_effect_is_invariant_to_shifting_a_moderator():
    years = np.array([2000.0, 2005, 2010, 2012])
    x, n = [2, 3, 5, 6], [10, 12, 9, 11]
    raw = rma_glmm(x, n, method="FE", mods=years)
    centred = rma_glmm(x, n, method="FE", mods=years - years.mean())
    assert raw.beta[1] == pytest.approx(centred.beta[1], rel=1e-9)
    assert raw.beta[0] + raw.beta[1] * years.mean() == pytest.approx(centred.beta[0], rel=1e-9)
    assert raw.se_beta[1] == pytest.approx(centred.se_beta[1], rel=1e-8)


def test_glmm_common_effect_refuses_separated_data():
    from analysis.meta import ConvergenceError

    with pytest.raises(ConvergenceError, match="separated"):
        rma_glmm([0, 0, 0], [10, 12, 9], method="FE")
