"""``predict`` and ``cumul`` follow the fit's prediction-interval convention (``pi_type``).

The expected bounds are written out from the formulas, with scipy.stats' quantiles, not
with the engine's helpers: ``est +/- q * sqrt(se^2 + tau2)`` where q is the normal quantile
("z"), t on k - p df ("t"; metafor's predict.rma) or t on k - 2 df ("hts"; Higgins,
Thompson & Spiegelhalter 2009, R meta's ``method.predict = "HTS"``, no interval for
k < 3). For a meta-regression, "hts" is t on k - p - 1 df around ``x' b`` with variance
``x' V x + tau2``.
"""

import math

import numpy as np
import pytest
from scipy import stats

from analysis.meta import cumul, predict, rma

YI = np.array([0.41, -0.12, 0.33, 0.95, 0.08, 0.52, -0.30])
VI = np.array([0.040, 0.091, 0.022, 0.300, 0.051, 0.074, 0.110])


def _bounds(est, se, tau2, pi_type, k, p=1, level=95):
    z = stats.norm.ppf(1 - (1 - level / 100) / 2)
    if pi_type == "z":
        q = z
    else:
        df = k - p if pi_type == "t" else k - p - 1
        if df < 1:
            return math.nan, math.nan
        q = stats.t.ppf(1 - (1 - level / 100) / 2, df)
    half = q * math.sqrt(se**2 + tau2)
    return est - half, est + half


@pytest.mark.parametrize("method", ["REML", "DL", "FE"])
@pytest.mark.parametrize("pi_type", ["z", "t", "hts"])
def test_rma_and_predict_give_the_formula(method, pi_type):
    res = rma(YI, VI, method=method, pi_type=pi_type)
    want = _bounds(res.estimate, res.se, res.tau2, pi_type, res.k)
    assert (res.pi_lb, res.pi_ub) == pytest.approx(want, rel=1e-12)
    got = predict(res)
    assert (got.pi_lb[0], got.pi_ub[0]) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("k", [1, 2])
def test_hts_has_no_interval_below_three_studies(k):
    for method in ("REML", "FE"):
        res = rma(YI[:k], VI[:k], method=method, pi_type="hts")
        assert math.isnan(res.pi_lb) and math.isnan(res.pi_ub)
        got = predict(res)
        assert np.isnan(got.pi_lb[0]) and np.isnan(got.pi_ub[0])
        # metafor's "riley" keeps at least one df: a different convention.
        assert np.isfinite(predict(res, pi_type="riley").pi_lb[0])


def test_predict_hts_on_a_meta_regression_uses_k_minus_p_minus_1_df():
    x = np.arange(YI.size, dtype=float)
    res = rma(YI, VI, mods=x, method="REML", pi_type="hts")
    got = predict(res, newmods=[0.5, 4.0])
    for i, xi in enumerate([0.5, 4.0]):
        row = np.array([1.0, xi])
        est = float(row @ res.beta)
        se = math.sqrt(float(row @ res.vb @ row))
        want = _bounds(est, se, res.tau2, "hts", res.k, p=2)
        assert (got.pi_lb[i], got.pi_ub[i]) == pytest.approx(want, rel=1e-12)
    # An explicit pi_type overrides the fit's.
    z = predict(res, newmods=4.0, pi_type="z")
    row = np.array([1.0, 4.0])
    se = math.sqrt(float(row @ res.vb @ row))
    want = _bounds(float(row @ res.beta), se, res.tau2, "z", res.k)
    assert (z.pi_lb[0], z.pi_ub[0]) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("method", ["REML", "DL", "FE"])
@pytest.mark.parametrize(
    ("pi_type", "test"), [("z", "z"), ("t", "z"), ("hts", "z"), (None, "knha")]
)
def test_cumul_rows_give_the_formula_and_match_rma_on_each_prefix(method, pi_type, test):
    res = rma(YI, VI, method=method, pi_type=pi_type, test=test)
    out = cumul(res)
    assert out.pi_type == res.pi_type
    for i in range(res.k):
        k = i + 1
        kind = res.pi_type
        if test == "knha" and k == 1:
            kind = "z"  # one study: Knapp-Hartung falls back to z, as the row's CI
        want = _bounds(out.estimate[i], out.se[i], out.tau2[i], kind, k)
        got = (out.pi_lb[i], out.pi_ub[i])
        if math.isnan(want[0]):
            assert np.isnan(got).all(), f"row {i}"
        else:
            assert got == pytest.approx(want, rel=1e-10), f"row {i}"
        prefix = rma(YI[:k], VI[:k], method=method, pi_type=pi_type, test=test)
        assert np.allclose(got, (prefix.pi_lb, prefix.pi_ub), rtol=1e-8, equal_nan=True)


def test_cumul_follows_the_order_and_the_level():
    res = rma(YI, VI, pi_type="hts", level=90)
    order = np.array([7, 3, 5, 1, 6, 2, 4])
    out = cumul(res, order=order)
    idx = np.argsort(order)
    k = 5
    prefix = rma(YI[idx[:k]], VI[idx[:k]], pi_type="hts", level=90)
    assert (out.pi_lb[k - 1], out.pi_ub[k - 1]) == pytest.approx(
        (prefix.pi_lb, prefix.pi_ub), rel=1e-8
    )
    want = _bounds(prefix.estimate, prefix.se, prefix.tau2, "hts", k, level=90)
    assert (out.pi_lb[k - 1], out.pi_ub[k - 1]) == pytest.approx(want, rel=1e-8)
