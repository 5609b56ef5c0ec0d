"""trimfill against metafor's trimfill (tests/analysis/r/make_reference.R)."""

import pytest

from analysis.meta import rma, trimfill
from tests.analysis.metafor_reference import CLOSED_FORM, REF, RTOL_CLOSED, RTOL_ITER, arr, close

CASES = REF["trimfill"]


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['name']}-{c['method']}-{c['estimator']}" for c in CASES]
)
def test_trimfill_matches_metafor(case):
    rtol = RTOL_CLOSED if case["method"] in CLOSED_FORM else RTOL_ITER
    res = rma(arr(case["yi"]), arr(case["vi"]), method=case["method"])
    out = trimfill(res, side=case.get("side_arg"), estimator=case["estimator"])
    assert out.k0 == case["k0"]
    assert out.side == case["side"]
    close(out.se_k0, case["se_k0"], rtol, "se_k0")
    if case["estimator"] == "R0":
        close(out.p_k0, case["p_k0"], RTOL_CLOSED, "p_k0")
    close(out.yi, case["filled_yi"], rtol, "filled yi")
    close(out.vi, case["filled_vi"], rtol, "filled vi")
    fit = case["fit"]
    assert out.fit.k == fit["k"] == len(out.yi)
    for field, ref_field in (
        ("beta", "beta"),
        ("se_beta", "se"),
        ("tau2", "tau2"),
        ("ci_lb_beta", "ci_lb"),
        ("ci_ub_beta", "ci_ub"),
        ("Q", "Q"),
    ):
        close(getattr(out.fit, field), fit[ref_field], rtol, field)
    assert out.fill.sum() == out.k0


def test_no_missing_studies_returns_the_original_fit():
    res = rma([0.1, -0.1, 0.05, -0.05, 0.0], [0.01, 0.01, 0.02, 0.02, 0.03], method="FE")
    out = trimfill(res, side="left")
    assert out.k0 == 0 and out.fit is res and not out.fill.any()


def test_trimfill_rejects_meta_regression_and_bad_options():
    res = rma([0.1, 0.3, 0.5, 0.2], [0.01, 0.02, 0.03, 0.02], mods=[1, 2, 3, 4], method="FE")
    with pytest.raises(ValueError, match="intercept-only"):
        trimfill(res)
    res = rma([0.1, 0.3, 0.5, 0.2], [0.01, 0.02, 0.03, 0.02])
    with pytest.raises(ValueError, match="estimator"):
        trimfill(res, estimator="Q9")
    with pytest.raises(ValueError, match="side"):
        trimfill(res, side="top")
