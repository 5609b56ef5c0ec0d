"""The review report's risk-of-bias summary and its characteristics table come from locked
consensus, scored by the instrument's own algorithm."""

import pytest

from analysis.collect import DataSet, StudyRow
from analysis.compute import compute
from analysis.report import characteristics, risk_of_bias
from extraction.selectors import LockedData, LockedStudy, locked_consensus

DOMAINS = (
    "random_sequence",
    "allocation_concealment",
    "blinding_participants",
    "blinding_outcome",
    "incomplete_outcome",
    "selective_reporting",
    "other",
)


def appraisal(label, answers):
    return LockedStudy(
        study_id=hash(label) % 1000,
        label=label,
        kind="appraisal",
        form_version=None,
        instrument="rob1",
        data=answers,
        fingerprint="",
    )


def test_risk_of_bias_scores_each_locked_appraisal():
    low = dict.fromkeys(DOMAINS, "low")
    locked = LockedData([appraisal("A 2020", low), appraisal("B 2021", low | {"other": "high"})])
    [block] = risk_of_bias(locked)
    assert block["name"] == "Cochrane risk-of-bias tool (RoB 1)"
    assert block["domains"] == ["D1", "D2", "D3", "D4", "D5", "D6", "D7"]
    assert [row["overall"] for row in block["rows"]] == [("low", "Low"), ("high", "High")]
    assert block["rows"][1]["judgements"][-1] == ("high", "High")


@pytest.mark.django_db
def test_characteristics_has_one_row_per_locked_study_and_study_level_columns(team, bcg):
    table = characteristics(team.review, locked_consensus(team.review))
    assert table.columns == [
        "Author(s)",
        "Year of publication",
        "Allocation",
        "Absolute latitude of the study site",
    ]
    assert len(table.rows) == 13
    assert dict(table.rows)["Aronson 1948"] == ["Aronson", "1948", "random", "44"]


def test_engine_errors_name_the_study_by_its_label():
    spec = {
        "measure": "PR",
        "method": "REML",
        "re_method": "REML",
        "test": "z",
        "level": 95,
        "subgroup_field": "",
        "sensitivity": [],
        "small_study_tests": [],
    }
    rows = (
        StudyRow(1, "Fine 2020", {"xi": 3, "ni": 10}, {}, {}),
        StudyRow(2, "Odd 2021", {"xi": 12, "ni": 10}, {}, {}),
    )
    results = compute(spec, DataSet("PR", rows), [])
    assert results["error"].startswith("Odd 2021:")
