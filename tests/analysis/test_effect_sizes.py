"""escalc against metafor's escalc (tests/analysis/r/make_reference.R), plus input checks."""

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.meta import escalc

REF = json.loads((Path(__file__).parent / "r" / "reference.json").read_text())
# Closed-form arithmetic on both sides; only floating-point rounding differs.
RTOL = 1e-10


def _arr(x):
    return np.atleast_1d(np.array(x, dtype=float))


@pytest.mark.parametrize(
    "case",
    REF["escalc"],
    ids=[f"{c['name']}-{c['measure']}-{c['options']}" for c in REF["escalc"]],
)
def test_escalc_matches_metafor(case):
    options = case["options"] or {}
    columns = {k: _arr(v) for k, v in case["args"].items()}
    es = escalc(case["measure"], **columns, **options)
    np.testing.assert_allclose(es.yi, _arr(case["yi"]), rtol=RTOL, atol=0)
    np.testing.assert_allclose(es.vi, _arr(case["vi"]), rtol=RTOL, atol=0)


def test_escalc_records_measure_labels_and_total_sample_size():
    es = escalc("OR", ai=[1, 0], bi=[9, 10], ci=[2, 3], di=[8, 7], slab=["A", "B"])
    assert es.measure == "OR"
    assert es.slab == ("A", "B")
    np.testing.assert_array_equal(es.ni, [20, 20])
    assert len(es) == 2


def test_escalc_accepts_group_sizes_instead_of_non_events():
    a = escalc("RR", ai=[3, 5], bi=[7, 15], ci=[4, 2], di=[6, 18])
    b = escalc("RR", ai=[3, 5], n1i=[10, 20], ci=[4, 2], n2i=[10, 20])
    np.testing.assert_allclose(a.yi, b.yi, rtol=1e-15)
    np.testing.assert_allclose(a.vi, b.vi, rtol=1e-15)


def test_hedges_g_uses_exact_gamma_correction():
    es = escalc("SMD", m1i=[1.0], sd1i=[1.0], n1i=[5], m2i=[0.0], sd2i=[1.0], n2i=[5])
    from scipy.special import gamma

    m = 8
    exact = gamma(m / 2) / (np.sqrt(m / 2) * gamma((m - 1) / 2))
    assert es.yi[0] == pytest.approx(exact, rel=1e-14)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(ai=[1, 2], bi=[3], ci=[1, 2], di=[3, 4]), "field 'bi' has 1 values but 2"),
        (
            dict(ai=[1, -2], bi=[3, 3], ci=[1, 2], di=[3, 4]),
            "study 1: field 'ai' must not be negative",
        ),
        (
            dict(ai=[1, 2, 30], n1i=[10, 10, 10], ci=[1, 2, 3], n2i=[10, 10, 10]),
            "study 2: field 'ai'",
        ),
        (
            dict(ai=[1, 2], n1i=[10, 0], ci=[1, 0], n2i=[10, 10]),
            "study 1: field 'n1i' must be at least 1",
        ),
        (
            dict(ai=[1, float("nan")], bi=[3, 3], ci=[1, 2], di=[3, 4]),
            "study 1: field 'ai' is not a finite",
        ),
    ],
)
def test_bad_two_by_two_input_names_study_and_field(kwargs, message):
    with pytest.raises(ValueError, match=message):
        escalc("RR", **kwargs)


def test_bad_continuous_input_names_study_and_field():
    with pytest.raises(ValueError, match="study 0: field 'sd2i' must not be negative"):
        escalc("MD", m1i=[1, 2], sd1i=[1, 1], n1i=[10, 10], m2i=[1, 1], sd2i=[-1, 1], n2i=[5, 5])
    with pytest.raises(ValueError, match="study 1: field 'xi'"):
        escalc("PLO", xi=[3, 12], ni=[10, 10])
    with pytest.raises(ValueError, match="study 0: field 'ri' must lie in"):
        escalc("MC", m1i=[1], m2i=[2], sd1i=[1], sd2i=[1], ni=[10], ri=[1.5])


def test_unknown_measure_missing_and_unexpected_fields_are_rejected():
    with pytest.raises(ValueError, match="unknown measure"):
        escalc("XYZ", xi=[1], ni=[2])
    with pytest.raises(ValueError, match="needs field"):
        escalc("PR", xi=[1])
    with pytest.raises(ValueError, match="does not use field"):
        escalc("PR", xi=[1], ni=[2], ai=[3])
    with pytest.raises(ValueError, match="unknown 'to'"):
        escalc("PR", xi=[1], ni=[2], to="sometimes")
