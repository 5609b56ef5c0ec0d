"""rma_mh and rma_peto against metafor's rma.mh and rma.peto.

Reference values: tests/analysis/r/mh_peto_reference.R (dat.bcg; dat.nielweise2007, with
zero cells and a double-zero study, given as ai/n1i/ci/n2i; hand-made sets with a
double-zero study, one of them leaving Q no degrees of freedom). Everything is a closed
form, so every field is compared at 1e-10 relative (1e-12 absolute for values near 0).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.meta import MHResult, PetoResult, rma_mh, rma_peto

REF = json.loads((Path(__file__).parent / "r" / "mh_peto_reference.json").read_text())
RTOL, ATOL = 1e-10, 1e-12

SCALARS = ("estimate", "se", "ci_lb", "ci_ub", "zval", "pval", "Q", "Q_p", "I2", "H2")
OR_TESTS = ("CMH", "CMH_p", "TA", "TA_p", "CO", "CO_p", "BD", "BD_p")


def _fit(ref):
    options = {"level": ref["level"]}
    for name in ("add", "to", "correct"):
        if name in ref:
            options[name] = ref[name]
    if ref["method"] == "PETO":
        options.pop("correct", None)
        return rma_peto(**ref["data"], **options)
    return rma_mh(measure=ref["measure"], **ref["data"], **options)


def _id(ref):
    extra = "-".join(f"{n}={ref[n]}" for n in ("add", "to", "correct") if n in ref)
    return f"{ref['name']}-{ref['method']}-{ref['measure']}-{ref['level']}" + (
        f"-{extra}" if extra else ""
    )


def _close(got, want):
    if want is None:
        return np.isnan(got)
    return np.isclose(got, want, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("ref", REF["fits"], ids=_id)
def test_against_metafor(ref):
    res = _fit(ref)
    want = ref["result"]
    names = SCALARS + tuple(n for n in OR_TESTS if n in want)
    wrong = {n: (getattr(res, n), want[n]) for n in names if not _close(getattr(res, n), want[n])}
    assert not wrong
    assert (res.k, res.k_yi, res.Q_df) == (want["k"], want["k_yi"], want["Q_df"])
    if "transformed" in want:
        tr = res.transformed()
        for name in ("estimate", "ci_lb", "ci_ub"):
            assert _close(getattr(tr, name), want["transformed"][name]), name


def test_reference_covers_the_cases():
    names = {(f["name"], f["method"], f["measure"]) for f in REF["fits"]}
    for data in ("bcg", "nielweise2007", "handmade", "handmade_k1yi"):
        for method, measure in (("MH", "OR"), ("MH", "RR"), ("MH", "RD"), ("PETO", "PETO")):
            assert (data, method, measure) in names
    double_zero = [f for f in REF["fits"] if f["name"] == "handmade"]
    assert all(f["result"]["k"] == 5 and f["result"]["k_yi"] == 4 for f in double_zero)


HAND = {
    "ai": [0, 3, 0, 12, 7],
    "bi": [20, 17, 15, 0, 33],
    "ci": [4, 6, 0, 10, 12],
    "di": [16, 14, 15, 2, 28],
}


@pytest.mark.parametrize("measure", ["OR", "RR"])
def test_double_zero_table_does_not_move_or_rr(measure):
    full = rma_mh(measure=measure, **HAND)
    without = rma_mh(measure=measure, **{k: v[:2] + v[3:] for k, v in HAND.items()})
    assert full.estimate == pytest.approx(without.estimate, rel=1e-12)
    assert full.se == pytest.approx(without.se, rel=1e-12)
    assert full.Q == pytest.approx(without.Q, rel=1e-12)
    assert (full.k, without.k) == (5, 4)


def test_double_zero_table_weighs_in_the_risk_difference():
    full = rma_mh(measure="RD", **HAND)
    without = rma_mh(measure="RD", **{k: v[:2] + v[3:] for k, v in HAND.items()})
    # The table adds n1 n2 / N to the weights and nothing to the numerator.
    assert abs(full.estimate) < abs(without.estimate)
    assert full.k_yi == without.k_yi == 4


def test_zero_cells_are_not_corrected_in_the_estimate():
    # Changing the continuity correction moves Q only.
    a = rma_mh(measure="OR", **HAND)
    b = rma_mh(measure="OR", add=1, to="all", **HAND)
    assert a.estimate == b.estimate and a.se == b.se
    assert a.Q != pytest.approx(b.Q, rel=1e-6)


def test_result_types_and_transformed():
    res = rma_mh(measure="OR", **HAND)
    assert isinstance(res, MHResult) and isinstance(rma_peto(**HAND), PetoResult)
    tr = res.transformed()
    assert tr.transform == "exp"
    assert tr.estimate == pytest.approx(np.exp(res.estimate), rel=1e-14)
    assert (tr.pi_lb, tr.pi_ub) == (tr.ci_lb, tr.ci_ub)
    assert (
        rma_mh(measure="RD", **HAND).transformed().estimate == rma_mh(measure="RD", **HAND).estimate
    )
    with pytest.raises(AttributeError):
        res.estimate = 0.0


def test_non_or_measures_have_no_association_tests():
    res = rma_mh(measure="RR", **HAND)
    assert np.isnan([res.CMH, res.CMH_p, res.TA, res.TA_p]).all()


def test_level_as_fraction():
    a = rma_mh(measure="OR", level=0.9, **HAND)
    b = rma_mh(measure="OR", level=90, **HAND)
    assert (a.ci_lb, a.ci_ub) == (b.ci_lb, b.ci_ub)


@pytest.mark.parametrize("fit", [lambda **c: rma_mh(measure="OR", **c), rma_peto])
class TestInvalidInput:
    def test_negative_count(self, fit):
        with pytest.raises(ValueError, match=r"study 1: field 'ci' must not be negative"):
            fit(ai=[1, 2], bi=[3, 4], ci=[5, -1], di=[7, 8])

    def test_mismatched_lengths(self, fit):
        with pytest.raises(ValueError, match=r"field 'di' has 1 values but 2 studies"):
            fit(ai=[1, 2], bi=[3, 4], ci=[5, 6], di=[7])

    def test_no_studies(self, fit):
        with pytest.raises(ValueError, match="at least one study is needed"):
            fit(ai=[], bi=[], ci=[], di=[])

    def test_events_above_group_size(self, fit):
        with pytest.raises(ValueError, match=r"study 0: field 'ai' \(12.0\) exceeds"):
            fit(ai=[12], n1i=[10], ci=[1], n2i=[10])

    def test_missing_field(self, fit):
        with pytest.raises(ValueError, match="needs field"):
            fit(ai=[1], bi=[2], ci=[3])


def test_unknown_measure():
    with pytest.raises(ValueError, match="unknown measure 'SMD' for the Mantel-Haenszel"):
        rma_mh(measure="SMD", **HAND)


def test_undefined_estimates():
    no_events = {"ai": [0, 0], "bi": [10, 10], "ci": [0, 0], "di": [10, 10]}
    with pytest.raises(ValueError, match="odds ratio is undefined"):
        rma_mh(measure="OR", **no_events)
    with pytest.raises(ValueError, match="risk ratio is undefined: no events in the first"):
        rma_mh(measure="RR", ai=[0, 0], bi=[10, 10], ci=[1, 2], di=[9, 8])
    with pytest.raises(ValueError, match="Peto's method cannot be used"):
        rma_peto(**no_events)
    # The risk difference stays defined (0, with standard error 0), as in metafor.
    rd = rma_mh(measure="RD", **no_events)
    assert (rd.estimate, rd.se, rd.k, rd.k_yi) == (0.0, 0.0, 2, 0)
    assert np.isnan(rd.zval)
