"""Newcastle–Ottawa (with the AHRQ conversion) and RoB 1 scoring; the instruments stay pure."""

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from extraction.instruments import INSTRUMENTS, ahrq_rating, instrument_for_design
from extraction.instruments.nos import NOS_CASE_CONTROL, NOS_COHORT
from extraction.instruments.rob1 import ROB1

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("s", "c", "o"), list(itertools.product(range(5), range(3), range(4))))
def test_ahrq_conversion_follows_the_thresholds(s, c, o):
    if s <= 1 or c == 0 or o <= 1:
        expected = "poor"
    elif s >= 3:
        expected = "good"
    else:
        expected = "fair"
    assert ahrq_rating(s, c, o) == expected


def test_ahrq_refuses_impossible_star_counts():
    with pytest.raises(ValueError):
        ahrq_rating(5, 0, 0)


def test_cohort_with_every_star_scores_nine_and_good():
    answers = {item.key: "a" for item in NOS_COHORT.items}
    result = NOS_COHORT.score(answers)
    assert result.scores == {"selection": 4, "comparability": 2, "outcome": 3, "total": 9}
    assert result.overall == "good"


def test_cohort_without_comparability_is_poor_whatever_else():
    answers = {item.key: "a" for item in NOS_COHORT.items} | {"C1a": "b", "C1b": "b"}
    result = NOS_COHORT.score(answers)
    assert result.scores["total"] == 7
    assert result.overall == "poor"
    assert result.domains["comparability"] == "high"


def test_case_control_two_selection_stars_is_fair():
    answers = {"S1": "a", "S2": "a", "S3": "b", "S4": "b", "C1a": "a", "C1b": "b", "E1": "a", "E2": "a", "E3": "c"}
    result = NOS_CASE_CONTROL.score(answers)
    assert result.scores == {"selection": 2, "comparability": 1, "exposure": 2, "total": 5}
    assert result.overall == "fair"


def test_incomplete_nos_has_no_overall():
    assert NOS_COHORT.score({"S1": "a"}).overall is None


def test_rob1_summary_takes_the_worst_domain():
    answers = {d.key: "low" for d in ROB1.domains}
    assert ROB1.score(answers).overall == "low"
    assert ROB1.score(answers | {"other": "unclear"}).overall == "unclear"
    assert ROB1.score(answers | {"other": "unclear", "blinding_outcome": "high"}).overall == "high"
    assert len(ROB1.domains) == 7
    assert all(ROB1.item(f"{d.key}.support").kind == "long_text" for d in ROB1.domains)


def test_instrument_follows_the_design():
    assert instrument_for_design("rct").code == "rob2"
    assert instrument_for_design("cohort").code == "nos_cohort"
    assert instrument_for_design("case_control").code == "nos_case_control"
    assert set(INSTRUMENTS) == {"rob2", "rob1", "nos_cohort", "nos_case_control"}


def test_instruments_and_form_definitions_import_nothing_from_django():
    code = (
        "import sys, extraction.instruments, extraction.formspec; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
