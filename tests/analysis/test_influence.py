"""leave1out and influence against metafor (tests/analysis/r/make_reference.R)."""

import numpy as np
import pytest

from analysis.meta import influence, leave1out, outliers, rma
from tests.analysis.metafor_reference import CLOSED_FORM, REF, RTOL_CLOSED, RTOL_ITER, arr, close


def fit(case):
    mods = None if case.get("mods") is None else np.array(case["mods"], float)
    return rma(
        arr(case["yi"]), arr(case["vi"]), method=case["method"], test=case["test"], mods=mods
    )


def rtol_for(case):
    return RTOL_CLOSED if case["method"] in CLOSED_FORM else RTOL_ITER


L1O = REF["leave1out"]


@pytest.mark.parametrize("case", L1O, ids=[f"{c['name']}-{c['method']}-{c['test']}" for c in L1O])
def test_leave1out_matches_metafor(case):
    out = leave1out(fit(case))
    for field in (
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
    ):
        close(getattr(out, field), case[field], rtol_for(case), field)


INF = REF["influence"]


@pytest.mark.parametrize("case", INF, ids=[f"{c['name']}-{c['method']}-{c['test']}" for c in INF])
def test_influence_matches_metafor(case):
    out = influence(fit(case))
    for field in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight"):
        close(getattr(out, field), case[field], rtol_for(case), field)
    close(out.dfbs.ravel(), np.array(case["dfbs"], float).ravel(), rtol_for(case), "dfbs")
    np.testing.assert_array_equal(out.inf, case["inf"])


def test_outliers_flags_influential_and_large_residuals():
    case = next(
        c for c in INF if c["name"] == "bcg_RR" and c["method"] == "REML" and c["test"] == "z"
    )
    res = fit(case)
    expected = np.flatnonzero(np.array(case["inf"]) | (np.abs(arr(case["rstudent"])) > 1.96))
    np.testing.assert_array_equal(outliers(res), expected)


def test_leave1out_needs_an_intercept_only_model():
    res = rma([0.1, 0.3, 0.5, 0.2], [0.01, 0.02, 0.03, 0.02], mods=[1, 2, 3, 4], method="FE")
    with pytest.raises(ValueError, match="intercept-only"):
        leave1out(res)


def test_leave1out_with_two_studies_fits_each_single_study():
    out = leave1out(rma([0.1, 0.5], [0.01, 0.02], method="REML"))
    np.testing.assert_allclose(out.estimate, [0.5, 0.1])
    np.testing.assert_allclose(out.tau2, [0.0, 0.0])
