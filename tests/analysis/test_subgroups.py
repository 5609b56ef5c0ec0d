"""subgroup against separate metafor fits and rma(yi, vi, mods = ~ factor(groups))."""

import numpy as np
import pytest
from scipy.stats import chi2

from analysis.meta import subgroup
from tests.analysis.metafor_reference import CLOSED_FORM, REF, RTOL_CLOSED, RTOL_ITER, arr, close

CASES = REF["subgroup"]


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['name']}-{c['method']}-{c['test']}" for c in CASES]
)
def test_subgroups_match_metafor(case):
    rtol = RTOL_CLOSED if case["method"] in CLOSED_FORM else RTOL_ITER
    sg = subgroup(
        arr(case["yi"]), arr(case["vi"]), case["groups"], method=case["method"], test=case["test"]
    )
    assert list(sg.groups) == list(case["per_group"])
    for label, ref in case["per_group"].items():
        res = sg.groups[label]
        for field, ref_field in (
            ("beta", "beta"),
            ("se_beta", "se"),
            ("tau2", "tau2"),
            ("Q", "Q"),
            ("I2", "I2"),
        ):
            close(getattr(res, field), ref[ref_field], rtol, f"{label} {field}")
    close(sg.QM, case["QM"], rtol, "QM")
    close(sg.QM_p, case["QM_p"], rtol, "QM_p")
    assert sg.QM_df == case["QM_df"]
    close(sg.mixed.tau2, case["mixed"]["tau2"], rtol, "mixed tau2")
    close(sg.mixed.beta, case["mixed"]["beta"], rtol, "mixed beta")

    # Separate tau^2: Cochran's Q over the subgroup estimates, from metafor's per-group fits.
    est = np.array([arr(r["beta"])[0] for r in case["per_group"].values()])
    w = 1 / np.array([arr(r["se"])[0] for r in case["per_group"].values()]) ** 2
    q = np.sum(w * (est - np.sum(w * est) / np.sum(w)) ** 2)
    close(sg.Q_between, q, rtol, "Q_between")
    assert sg.Q_between_df == len(est) - 1
    close(sg.Q_between_p, chi2.sf(q, len(est) - 1), rtol, "Q_between_p")


def test_one_subgroup_has_no_test_of_differences():
    sg = subgroup([0.1, 0.3, 0.2], [0.01, 0.02, 0.03], ["a", "a", "a"], method="DL")
    assert list(sg.groups) == ["a"] and sg.Q_between_df == 0 and np.isnan(sg.Q_between_p)
    assert sg.mixed is None


def test_single_study_subgroups_fit_and_common_tau2_needs_enough_studies():
    sg = subgroup([0.1, 0.3, 0.5], [0.01, 0.02, 0.03], ["a", "b", "c"], method="REML")
    assert all(r.k == 1 for r in sg.groups.values())
    assert sg.Q_between_df == 2 and np.isfinite(sg.Q_between)
    assert sg.mixed is None and np.isnan(sg.QM)


def test_group_labels_must_match_studies():
    with pytest.raises(ValueError, match="field 'groups' has 2 values but 3"):
        subgroup([0.1, 0.3, 0.5], [0.01, 0.02, 0.03], ["a", "b"])
    with pytest.raises(ValueError, match="study 1: field 'groups' is missing"):
        subgroup([0.1, 0.3, 0.5], [0.01, 0.02, 0.03], ["a", None, "b"])


def test_auto_lets_each_subgroup_choose_and_mixed_model_uses_re_method():
    yi = [0.1, 0.1, 0.1, 0.9, -0.5, 0.6, 0.2]
    vi = [0.02, 0.03, 0.02, 0.02, 0.03, 0.02, 0.04]
    groups = ["a", "a", "a", "b", "b", "b", "b"]
    sg = subgroup(yi, vi, groups, method="auto", re_method="DL")
    assert sg.groups["a"].model == "FE" and sg.groups["b"].model == "DL"
    assert sg.mixed.model == "DL"


def test_control_reaches_every_fit():
    from analysis.meta import ConvergenceError, rma

    y = np.array([0.41, -0.12, 0.33, 0.95, 0.08, 0.52, -0.30, 0.7, 0.2, -0.05])
    v = np.array([0.040, 0.091, 0.022, 0.300, 0.051, 0.074, 0.110, 0.05, 0.06, 0.03])
    groups = ["a", "b"] * 5
    loose = {"threshold": 1e-1}
    sg = subgroup(y, v, groups, control=loose)
    default = subgroup(y, v, groups)
    for i, label in enumerate(("a", "b")):
        want = rma(y[i::2], v[i::2], control=loose)
        assert sg.groups[label].tau2 == want.tau2
        assert sg.groups[label].iterations == want.iterations
    mixed = rma(y, v, mods=[[1.0 * (g == "b")] for g in groups], control=loose)
    assert sg.mixed.tau2 == pytest.approx(mixed.tau2, rel=1e-12)
    assert sg.mixed.control.threshold == 0.1
    # The loose threshold stops early: the fits differ from the default ones.
    assert sg.groups["b"].tau2 != default.groups["b"].tau2
    assert sg.mixed.tau2 != default.mixed.tau2
    with pytest.raises(ConvergenceError):
        subgroup(y, v, groups, control={"tau2_init": 5.0, "maxiter": 2})
    with pytest.raises(ValueError, match="unknown control key"):
        subgroup(y, v, groups, control={"tol": 1e-3})
