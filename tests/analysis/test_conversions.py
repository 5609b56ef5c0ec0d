"""Median/range/quartile to mean/SD conversions against an independent R transcription.

The reference JSON comes from tests/analysis/r/conversions_reference.R (base R, the papers'
formulas); the worked values below are computed by hand from the same formulas.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.meta.conversions import (
    MeanSD,
    hozo,
    hozo_mean,
    hozo_sd,
    luo_mean,
    median_to_mean_sd,
    scenario,
    shi_sd,
    wan_mean,
    wan_sd,
)

REF = json.loads((Path(__file__).parent / "r" / "conversions_reference.json").read_text())
# Same closed-form arithmetic on both sides; only rounding (and R's qnorm vs scipy's) differs.
RTOL = 1e-12


@pytest.fixture(scope="module")
def data():
    rows = REF["input"]
    return {key: np.array([row[key] for row in rows], dtype=float) for key in rows[0]}


def test_hozo_matches_r(data):
    d = data
    np.testing.assert_allclose(
        hozo_mean(d["a"], d["m"], d["b"], d["n"]), REF["hozo_mean"], rtol=RTOL
    )
    np.testing.assert_allclose(hozo_sd(d["a"], d["m"], d["b"], d["n"]), REF["hozo_sd"], rtol=RTOL)
    rule = hozo(d["a"], d["m"], d["b"], d["n"])
    np.testing.assert_allclose(rule.mean, REF["hozo_rule_mean"], rtol=RTOL)
    np.testing.assert_allclose(rule.sd, REF["hozo_rule_sd"], rtol=RTOL)


@pytest.mark.parametrize("s", ["s1", "s2", "s3"])
def test_wan_luo_shi_match_r(data, s):
    d = data
    fields = {
        "s1": {"minimum": d["a"], "median": d["m"], "maximum": d["b"]},
        "s2": {"q1": d["q1"], "median": d["m"], "q3": d["q3"]},
        "s3": {
            "minimum": d["a"],
            "q1": d["q1"],
            "median": d["m"],
            "q3": d["q3"],
            "maximum": d["b"],
        },
    }[s]
    np.testing.assert_allclose(wan_mean(**fields, n=d["n"]), REF[f"wan_mean_{s}"], rtol=RTOL)
    np.testing.assert_allclose(wan_sd(**fields, n=d["n"]), REF[f"wan_sd_{s}"], rtol=RTOL)
    np.testing.assert_allclose(luo_mean(**fields, n=d["n"]), REF[f"luo_mean_{s}"], rtol=RTOL)
    expected_sd = REF["shi_sd_s3"] if s == "s3" else REF[f"wan_sd_{s}"]
    np.testing.assert_allclose(shi_sd(**fields, n=d["n"]), expected_sd, rtol=RTOL)
    both = median_to_mean_sd(**fields, n=d["n"])
    np.testing.assert_allclose(both.mean, REF[f"luo_mean_{s}"], rtol=RTOL)
    np.testing.assert_allclose(both.sd, expected_sd, rtol=RTOL)


def test_hand_computed_worked_example():
    # min 2, median 5, max 10, n 20 (Hozo formulas 4 and 16, by hand):
    # mean = 22/4 + 2/80 = 5.525; var = (4 + 25 + 100 + 8.5 * (49 + 225)/4 - 20 * 5.525^2) / 19
    assert hozo_mean(2, 5, 10, 20) == pytest.approx(5.525, rel=1e-15)
    var = (129 + 8.5 * 68.5 - 20 * 5.525**2) / 19
    assert hozo_sd(2, 5, 10, 20) == pytest.approx(np.sqrt(var), rel=1e-15)
    # Wan S1 with n = 50: xi(50) = 2 * Phi^-1(49.625 / 50.25) = 4.4867, close to the exact
    # expected range of 50 standard normals, 4.498 (Wan Table 1).
    assert 8 / wan_sd(minimum=2, median=5, maximum=10, n=50) == pytest.approx(4.4867, abs=1e-4)
    # Luo S2, n = 10: w = 0.7 + 0.039 = 0.739; 0.739 * 5.5 + 0.261 * 5
    assert luo_mean(q1=4, median=5, q3=7, n=10) == pytest.approx(5.3695, rel=1e-12)


def test_hozo_is_exact_for_three_observations():
    sample = np.array([1.3, 2.0, 4.1])
    assert hozo_mean(*sample, 3) == pytest.approx(sample.mean(), rel=1e-14)
    assert hozo_sd(*sample, 3) == pytest.approx(sample.std(ddof=1), rel=1e-14)


def test_scalar_input_gives_scalar_output():
    assert np.ndim(luo_mean(minimum=1, median=2, maximum=4, n=10)) == 0
    result = median_to_mean_sd(minimum=1, median=2, maximum=4, n=10)
    assert isinstance(result, MeanSD)
    assert np.ndim(result.sd) == 0


def test_arrays_broadcast_and_keep_their_shape():
    out = luo_mean(minimum=[[1, 2], [0, 1]], median=3, maximum=[[5, 6], [7, 8]], n=30)
    assert out.shape == (2, 2)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"minimum": 1, "median": 2, "maximum": 3}, "S1"),
        ({"q1": 1, "median": 2, "q3": 3}, "S2"),
        ({"minimum": 0, "q1": 1, "median": 2, "q3": 3, "maximum": 4}, "S3"),
    ],
)
def test_scenario_from_fields(fields, expected):
    assert scenario(**fields) == expected


def test_incomplete_summaries_are_refused():
    with pytest.raises(ValueError, match="got maximum, median"):
        scenario(median=2, maximum=3)


def test_error_names_study_and_field():
    with pytest.raises(ValueError, match=r"^study 2: minimum \(6\) is greater than median \(5\)$"):
        luo_mean(minimum=[1, 2, 6], median=[3, 4, 5], maximum=[9, 9, 9], n=[10, 10, 10])
    with pytest.raises(ValueError, match=r"^study 1: q1 \(4\) is greater than median \(3\)$"):
        shi_sd(minimum=0, q1=[1, 4], median=3, q3=5, maximum=9, n=20)
    with pytest.raises(ValueError, match=r"^study 0: median is missing or not finite$"):
        wan_mean(q1=1, median=np.nan, q3=3, n=10)
    with pytest.raises(ValueError, match=r"^study 1: n must be a positive integer, got 2.5$"):
        wan_sd(minimum=0, maximum=1, n=[10, 2.5])
    with pytest.raises(ValueError, match=r"^study 0: n must be at least 3"):
        hozo_sd(0, 1, 2, 2)


def test_hozo_method_needs_range_only():
    with pytest.raises(ValueError, match="S1"):
        median_to_mean_sd(q1=1, median=2, q3=3, n=10, method="hozo")
    res = median_to_mean_sd(minimum=1, median=2, maximum=5, n=100, method="hozo")
    assert (res.mean, res.sd) == (2.0, pytest.approx(4 / 6))


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        median_to_mean_sd(minimum=1, median=2, maximum=3, n=5, method="bland")


finite = st.floats(-1e3, 1e3, allow_nan=False)


@given(
    st.lists(finite, min_size=5, max_size=5).map(sorted),
    st.integers(3, 1000),
    st.floats(0.1, 10),
    finite,
)
def test_estimators_are_location_scale_equivariant(q, n, scale, shift):
    a, q1, m, q3, b = q
    base = median_to_mean_sd(minimum=a, q1=q1, median=m, q3=q3, maximum=b, n=n)
    moved = median_to_mean_sd(
        minimum=a * scale + shift,
        q1=q1 * scale + shift,
        median=m * scale + shift,
        q3=q3 * scale + shift,
        maximum=b * scale + shift,
        n=n,
    )
    assert moved.mean == pytest.approx(base.mean * scale + shift, rel=1e-9, abs=1e-6)
    assert moved.sd == pytest.approx(base.sd * scale, rel=1e-9, abs=1e-9)
    assert base.sd >= 0


@given(finite, st.floats(0, 100), st.floats(0, 100), st.integers(3, 500))
def test_symmetric_summaries_give_the_median_as_mean(m, half_range, half_iqr, n):
    half_iqr = min(half_iqr, half_range)
    fields = {
        "minimum": m - half_range,
        "q1": m - half_iqr,
        "median": m,
        "q3": m + half_iqr,
        "maximum": m + half_range,
    }
    for estimate in (luo_mean(**fields, n=n), wan_mean(**fields)):
        assert estimate == pytest.approx(m, rel=1e-12, abs=1e-9)


# Exact expected ranges of n standard normal draws, xi(n), from Wan et al. (2014) Table 1.
WAN_TABLE_1 = {5: 2.326, 10: 3.078, 15: 3.472, 20: 3.735, 30: 4.086, 40: 4.322, 50: 4.498}


@pytest.mark.parametrize(("n", "xi"), sorted(WAN_TABLE_1.items()))
def test_closed_form_xi_is_close_to_wan_table_1(n, xi):
    # Wan's closed form (Blom's approximation) against their published exact values:
    # 1.4% off at n = 5, under 0.5% from n = 10 on.
    rel = 1.5e-2 if n < 10 else 5e-3
    assert 1 / wan_sd(minimum=0, maximum=1, n=n) == pytest.approx(xi, rel=rel)
