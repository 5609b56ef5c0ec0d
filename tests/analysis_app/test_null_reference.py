"""A single proportion tested against the lead's null proportion, against metafor
(tests/analysis/r/null_test_reference.R: rma on yi - g(p0), z and Knapp-Hartung)."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import logit

from analysis import meta
from analysis.meta.null_test import test_against as wald_against
from analysis.meta.transforms import to_measure_scale
from analysis.nulls import leave1out_pvals, null_on_scale, null_test

REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "analysis" / "r" / "null_test_reference.json")
                       .read_text())
XI, NI, NULL = np.array(REFERENCE["xi"], float), np.array(REFERENCE["ni"], float), REFERENCE["null"]


@pytest.mark.parametrize("name", sorted(REFERENCE["fits"]))
def test_null_test_matches_metafor_on_shifted_effects(name):
    ref = REFERENCE["fits"][name]
    es = meta.escalc(ref["measure"], xi=XI, ni=NI)
    res = meta.rma(es, method="REML", test=ref["test"])
    assert null_on_scale(ref["measure"], NULL, res.ni) == pytest.approx(ref["null_analysis_scale"], abs=1e-12)
    result = null_test(res, NULL)
    # Against metafor's own fit, (estimate - g(p0)) / se: the two REML solutions differ in
    # tau^2 by ~1e-8 (metafor stops at a change below 1e-5), which the small arcsine SE
    # (0.023) turns into ~1e-5 in z.
    assert result["zval"] == pytest.approx(ref["zval_fit"], abs=2e-5)
    assert result["pval"] == pytest.approx(ref["pval_fit"], abs=2e-5)
    # Against metafor's test of yi - g(p0) against 0, the same test by another road: to
    # REML's convergence tolerance, which starts its iterations elsewhere.
    assert result["zval"] == pytest.approx(ref["zval"], abs=1e-4)
    assert result["pval"] == pytest.approx(ref["pval"], abs=1e-4)
    l1o = meta.leave1out(res)
    assert leave1out_pvals(res, l1o, NULL) == pytest.approx(ref["leave1out_pval"], abs=1e-4)


def test_without_a_null_a_proportion_has_no_test_and_a_ratio_keeps_its_own():
    es = meta.escalc("PLO", xi=XI, ni=NI)
    res = meta.rma(es, method="REML")
    assert null_test(res, None) is None
    assert np.isnan(leave1out_pvals(res, meta.leave1out(res), None)).all()
    assert null_on_scale("RR", None, None) == 0.0


def test_to_measure_scale_by_hand_and_refusals():
    # logit(0.2) = log(0.2 / 0.8) = -1.386294; asin(sqrt(0.25)) = pi/6
    assert to_measure_scale("PLO", 0.2) == pytest.approx(logit(0.2))
    assert to_measure_scale("PAS", 0.25) == pytest.approx(np.pi / 6)
    assert to_measure_scale("PLN", 0.5) == pytest.approx(np.log(0.5)) and to_measure_scale("PR", 0.3) == 0.3
    # PFT at n = 10, p = 0.3: x = 3, (asin(sqrt(3/11)) + asin(sqrt(4/11))) / 2
    expected = 0.5 * (np.arcsin(np.sqrt(3 / 11)) + np.arcsin(np.sqrt(4 / 11)))
    assert to_measure_scale("PFT", 0.3, ni=[10, 10]) == pytest.approx(expected)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        to_measure_scale("PLO", 1.0)
    with pytest.raises(ValueError, match="not a measure of a single proportion"):
        to_measure_scale("RR", 0.5)
    with pytest.raises(ValueError, match="sample sizes"):
        to_measure_scale("PFT", 0.5)


def test_wald_against_a_null_by_hand():
    # (1.0 - 0.2) / 0.4 = 2; two-sided normal p = 0.0455003
    t = wald_against(1.0, 0.4, 0.2)
    assert t.zval == pytest.approx(2.0) and t.pval == pytest.approx(0.04550026, abs=1e-7)
    # t with 4 df: p(|T| > 2) = 0.1161165 (R: 2 * pt(-2, 4))
    assert wald_against(1.0, 0.4, 0.2, ddf=4).pval == pytest.approx(0.1161165, abs=1e-6)
