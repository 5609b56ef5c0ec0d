"""regtest, ranktest, Harbord's and Peters' tests against metafor."""

from itertools import permutations

import numpy as np
import pytest
from scipy.stats import norm

from analysis.meta import harbord, peters, ranktest, regtest, rma
from analysis.meta.small_study import _kendall_cdf, kendall_test
from tests.analysis.metafor_reference import CLOSED_FORM, REF, RTOL_CLOSED, RTOL_ITER, arr, close

REG = REF["regtest"]


@pytest.mark.parametrize(
    "case",
    REG,
    ids=[f"{c['name']}-{c['method']}-{c['test']}-{c['model']}-{c['predictor']}" for c in REG],
)
def test_regtest_matches_metafor(case):
    ni = None if case.get("ni") is None else arr(case["ni"])
    res = rma(arr(case["yi"]), arr(case["vi"]), method=case["method"], test=case["test"], ni=ni)
    out = regtest(res, model=case["model"], predictor=case["predictor"])
    # The "lm" model is closed form whatever the tau^2 estimator of res.
    closed = case["model"] == "lm" or case["method"] in CLOSED_FORM
    rtol = RTOL_CLOSED if closed else RTOL_ITER
    close(out.statistic, case["zval"], rtol, "statistic")
    close(out.pval, case["pval"], rtol, "pval")
    close(out.ddf, case["ddf"], 0, "ddf")
    if case.get("est") is not None:
        close(out.est, case["est"], rtol, "est")
        close(out.ci_lb, case["ci_lb"], rtol, "ci_lb")
        close(out.ci_ub, case["ci_ub"], rtol, "ci_ub")
    else:
        assert np.isnan(out.est)


RANK = REF["ranktest"]


@pytest.mark.parametrize("case", RANK, ids=[c["name"] for c in RANK])
def test_ranktest_matches_metafor(case):
    out = ranktest(rma(arr(case["yi"]), arr(case["vi"]), method="FE"))
    close(out.tau, case["tau"], RTOL_CLOSED, "tau")
    close(out.pval, case["pval"], RTOL_CLOSED, "pval")


def test_ranktest_uses_the_fixed_effect_estimate_whatever_the_model():
    case = RANK[0]
    fe = ranktest(rma(arr(case["yi"]), arr(case["vi"]), method="FE"))
    re = ranktest(rma(arr(case["yi"]), arr(case["vi"]), method="REML"))
    assert fe == re


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_exact_kendall_distribution_matches_enumeration(n):
    concordant = []
    for perm in permutations(range(n)):
        concordant.append(sum(perm[i] < perm[j] for i in range(n) for j in range(i + 1, n)))
    concordant = np.array(concordant)
    for q in range(n * (n - 1) // 2 + 1):
        assert _kendall_cdf(q, n) == pytest.approx(np.mean(concordant <= q), rel=1e-12)


def test_kendall_with_ties_uses_normal_approximation():
    tau, p, exact = kendall_test([1, 2, 2, 3, 4], [1, 3, 2, 4, 5])
    assert not exact and 0 < p < 1 and -1 <= tau <= 1
    assert p == pytest.approx(2 * norm.sf(abs(norm.isf(p / 2))))


TWO = REF["two_by_two"]


@pytest.mark.parametrize("case", TWO, ids=[c["name"] for c in TWO])
def test_harbord_equals_weighted_egger_regression_on_score_statistics(case):
    out = harbord(case["ai"], case["bi"], case["ci"], case["di"])
    ref = case["harbord"]
    close(out.statistic, ref["statistic"], RTOL_CLOSED, "statistic")
    close(out.pval, ref["pval"], RTOL_CLOSED, "pval")
    assert out.ddf == ref["ddf"] and out.k == ref["k"]


@pytest.mark.parametrize("case", TWO, ids=[c["name"] for c in TWO])
def test_peters_matches_metafor_regtest_with_inverse_n(case):
    out = peters(case["ai"], case["bi"], case["ci"], case["di"])
    ref = case["peters"]
    close(out.statistic, ref["statistic"], RTOL_CLOSED, "statistic")
    close(out.pval, ref["pval"], RTOL_CLOSED, "pval")
    assert out.ddf == ref["ddf"] and out.k == ref["k"]


def test_harbord_by_hand_on_a_small_table():
    # Independent transcription of Harbord, Egger & Sterne (2006), eq. for Z and V,
    # with the OLS intercept and its standard error written out.
    a = np.array([12.0, 5, 30, 8, 2])
    b = np.array([88.0, 45, 170, 32, 18])
    c = np.array([20.0, 9, 41, 10, 6])
    d = np.array([80.0, 41, 159, 30, 14])
    n1, n2, m1, m2 = a + b, c + d, a + c, b + d
    n = n1 + n2
    z = a - n1 * m1 / n
    v = n1 * n2 * m1 * m2 / (n**2 * (n - 1))
    x, y = np.sqrt(v), z / np.sqrt(v)
    k = len(a)
    slope = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    intercept = y.mean() - slope * x.mean()
    s2 = np.sum((y - intercept - slope * x) ** 2) / (k - 2)
    se = np.sqrt(s2 * (1 / k + x.mean() ** 2 / np.sum((x - x.mean()) ** 2)))
    out = harbord(a, b, c, d)
    assert out.coef == pytest.approx(intercept, rel=1e-12)
    assert out.se == pytest.approx(se, rel=1e-12)
    assert out.statistic == pytest.approx(intercept / se, rel=1e-12)


def test_harbord_drops_studies_without_information():
    out = harbord([0, 3, 5, 2, 7], [10, 17, 15, 18, 13], [0, 6, 9, 4, 8], [10, 14, 11, 16, 12])
    assert out.k == 4


def test_regtest_needs_sample_sizes_for_n_predictors():
    res = rma([0.1, 0.3, 0.5, 0.2], [0.01, 0.02, 0.03, 0.02])
    with pytest.raises(ValueError, match="needs the sample sizes"):
        regtest(res, predictor="ninv")
