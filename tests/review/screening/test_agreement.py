"""Agreement statistics against hand-checked and published values."""

import math

import pytest

from review.agreement import cohen_kappa, cohen_kappa_table, fleiss_kappa, fleiss_kappa_grouped


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
