"""Agreement statistics against hand-checked and published values."""

import json
import math
from pathlib import Path

import pytest

from review.agreement import (
    byrt_indices,
    cohen_kappa,
    cohen_kappa_table,
    fleiss_kappa,
    fleiss_kappa_grouped,
)


def _pairs(table):
    """2x2 table [[yes/yes, yes/no], [no/yes, no/no]] -> list of rating pairs."""
    (a, b), (c, d) = table
    return [("y", "y")] * a + [("y", "n")] * b + [("n", "y")] * c + [("n", "n")] * d


def test_cohen_kappa_of_a_textbook_table():
    # po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4
    result = cohen_kappa(_pairs([[20, 5], [10, 15]]))
    assert result.n == 50
    assert result.percent_agreement == pytest.approx(0.7)
    assert result.kappa == pytest.approx(0.4)


def test_cohen_kappa_standard_error_matches_the_large_sample_formula_by_hand():
    # Fleiss, Cohen & Everitt (1969) worked by hand for [[20, 5], [10, 15]], n = 50:
    # p_yy=.4 p_yn=.1 p_ny=.2 p_nn=.3; rows .5/.5, cols .6/.4; kappa .4
    # diag = .4*(1-(.5+.6)*.6)^2 + .3*(1-(.5+.4)*.6)^2 = .4*.34^2 + .3*.46^2 = .04624 + .06348
    # off  = .36 * (.1*(.6+.5)^2 + .2*(.4+.5)^2) = .36 * (.121 + .162)
    # var  = (.10972 + .10188 - (.4 - .5*.6)^2) / (50 * .25) = (.2116 - .01) / 12.5
    expected_se = math.sqrt((0.04624 + 0.06348 + 0.36 * (0.121 + 0.162) - 0.01) / 12.5)
    result = cohen_kappa(_pairs([[20, 5], [10, 15]]))
    assert result.se == pytest.approx(expected_se, abs=1e-12)
    assert result.ci_low == pytest.approx(0.4 - 1.959963984540054 * expected_se)
    assert result.ci_high == pytest.approx(0.4 + 1.959963984540054 * expected_se)


def test_perfect_agreement_has_kappa_one_and_zero_width():
    result = cohen_kappa(_pairs([[10, 0], [0, 5]]))
    assert result.kappa == pytest.approx(1.0) and result.se == pytest.approx(0.0)


def test_kappa_is_undefined_when_both_raters_used_one_category():
    result = cohen_kappa([("n", "n")] * 7)
    assert result.kappa is None and result.percent_agreement == 1.0


def test_no_pairs_no_result():
    assert cohen_kappa([]) is None


def test_fleiss_kappa_of_a_published_worked_example():
    # 10 subjects x 5 categories, 14 raters (the worked example of the Wikipedia article
    # "Fleiss' kappa": column shares .143 .200 .279 .150 .229, P-bar .378, Pe .213): 0.210.
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]
    result = fleiss_kappa(table)
    assert result.n == 10 and result.raters == 14
    assert result.kappa == pytest.approx(0.210, abs=0.0005)


def test_fleiss_kappa_needs_equal_numbers_of_ratings():
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 2], [2, 2]])


def test_tables_give_what_the_expanded_ratings_give():
    cells = {("y", "y"): 20, ("y", "n"): 5, ("n", "y"): 10, ("n", "n"): 15}
    assert cohen_kappa_table(cells) == cohen_kappa(_pairs([[20, 5], [10, 15]]))
    assert cohen_kappa_table({("y", "y"): 0}) is None
    rows = [[3, 0], [2, 1], [2, 1], [0, 3], [1, 2], [2, 1]]
    grouped = {(3, 0): 1, (2, 1): 3, (0, 3): 1, (1, 2): 1}
    assert fleiss_kappa_grouped(grouped) == fleiss_kappa(rows)
    assert fleiss_kappa_grouped({}) is None
    with pytest.raises(ValueError):
        fleiss_kappa_grouped({(1, 2): 4, (2, 2): 1})


# Written by tests/review/r/agreement_reference.R (R's psych cohen.kappa, and Byrt et al.'s formulas).
REFERENCE = json.loads((Path(__file__).parents[1] / "r" / "agreement_reference.json").read_text())


def _cells(flat):
    a, b, c, d = flat
    return {("include", "include"): a, ("include", "exclude"): b, ("exclude", "include"): c,
            ("exclude", "exclude"): d}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_kappa_interval_and_byrt_indices_match_r_psych(name):
    ref = REFERENCE[name]
    cells = _cells(ref["cells"])
    kappa = cohen_kappa_table(cells)
    assert kappa.kappa == pytest.approx(ref["kappa"], abs=1e-12)
    assert kappa.se == pytest.approx(ref["se"], abs=1e-12)
    assert kappa.ci_low == pytest.approx(ref["ci_low"], abs=1e-12)
    assert kappa.ci_high == pytest.approx(ref["ci_high"], abs=1e-12)
    byrt = byrt_indices(cells, "include", "exclude")
    assert byrt.pabak == pytest.approx(ref["pabak"], abs=1e-12)
    assert byrt.prevalence_index == pytest.approx(ref["prevalence_index"], abs=1e-12)
    assert byrt.bias_index == pytest.approx(ref["bias_index"], abs=1e-12)


def test_upper_bound_of_a_high_kappa_is_set_to_one():
    # a=22 both include, b=0, c=3, d=31 both exclude; n=56.
    # po = 53/56 = .946429; rows .392857/.607143, cols .446429/.553571
    # pe = .392857*.446429 + .607143*.553571 = .175383 + .336097 = .511480
    # kappa = (.946429 - .511480) / .488520 = .890339; SE (Fleiss-Cohen-Everitt) = .061222
    # Wald: .890339 -/+ 1.959964*.061222 = .770347 to 1.010332 -> upper set to 1.
    result = cohen_kappa_table(_cells([22, 0, 3, 31]))
    assert result.kappa == pytest.approx(0.890339, abs=5e-7)
    assert result.ci_low == pytest.approx(0.770347, abs=5e-7)
    assert result.ci_high == 1.0 and result.ci_truncated is True
    # PABAK = 2*53/56 - 1 = 50/56; PI = (22 - 31)/56 = -9/56; BI = (0 - 3)/56 = -3/56.
    byrt = byrt_indices(_cells([22, 0, 3, 31]), "include", "exclude")
    assert (byrt.pabak, byrt.prevalence_index, byrt.bias_index) == pytest.approx((50 / 56, -9 / 56, -3 / 56))


def test_small_full_text_stage_keeps_its_lower_bound_and_caps_the_upper():
    # a=2, b=0, c=1, d=4; n=7: po = 6/7; rows 2/7, 5/7; cols 3/7, 4/7
    # pe = (2*3 + 5*4)/49 = 26/49; kappa = (6/7 - 26/49) / (23/49) = (42 - 26)/23 = 16/23 = .695652
    # SE .268404: Wald .169589 to 1.221715 -> upper set to 1.
    result = cohen_kappa_table(_cells([2, 0, 1, 4]))
    assert result.kappa == pytest.approx(16 / 23)
    assert result.ci_low == pytest.approx(0.169589, abs=5e-7)
    assert result.ci_high == 1.0 and result.ci_truncated
    byrt = byrt_indices(_cells([2, 0, 1, 4]), "include", "exclude")
    # PABAK = 2*6/7 - 1 = 5/7; PI = (2 - 4)/7; BI = (0 - 1)/7
    assert (byrt.pabak, byrt.prevalence_index, byrt.bias_index) == pytest.approx((5 / 7, -2 / 7, -1 / 7))


def test_lower_bound_of_a_negative_kappa_is_set_to_minus_one():
    # a=0, b=5, c=4, d=1; n=10: po = .1, rows .5/.5, cols .4/.6, pe = .5; kappa = (.1-.5)/.5 = -.8
    result = cohen_kappa_table(_cells([0, 5, 4, 1]))
    assert result.kappa == pytest.approx(-0.8)
    assert result.ci_low == -1.0 and result.ci_truncated and result.ci_high < 0


def test_an_interval_inside_the_range_is_not_marked_truncated():
    assert cohen_kappa(_pairs([[20, 5], [10, 15]])).ci_truncated is False


def test_screening_with_most_records_excluded_has_low_kappa_but_high_pabak():
    # a=4, b=6, c=2, d=188, n=200: po = 192/200 = .96 -> PABAK = .92; PI = (4-188)/200 = -.92
    # while kappa is only .4805 (pe = .05*.03 + .95*.97 = .923; (.96 - .923)/.077 = .4805)
    cells = _cells([4, 6, 2, 188])
    assert cohen_kappa_table(cells).kappa == pytest.approx(0.037 / 0.077)
    byrt = byrt_indices(cells, "include", "exclude")
    assert byrt.pabak == pytest.approx(0.92) and byrt.prevalence_index == pytest.approx(-0.92)
    assert byrt.bias_index == pytest.approx(0.02)


def test_byrt_indices_refuse_a_third_category():
    with pytest.raises(ValueError, match="'maybe' is neither 'include' nor 'exclude'"):
        byrt_indices({("include", "maybe"): 1}, "include", "exclude")
    assert byrt_indices({}, "include", "exclude") is None
