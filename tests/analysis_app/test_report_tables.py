"""Tables of the report and the extraction outputs page: NOS in stars with the AHRQ
conversion, and no dataframe artefacts (index column, NaN, 8.0 for 8) on a page or in a CSV."""

import csv
import io

import pytest
from django.urls import reverse

from analysis.report import risk_of_bias
from concord.frames import frame_rows, records_frame, shown
from extraction.instruments.nos import NOS_COHORT
from extraction.outputs.tables import appraisal_frame
from extraction.selectors import LockedData, LockedStudy

# Every item's first option earns a star, except C1b and O3 answered without one:
# selection 4 of 4, comparability 1 of 2, outcome 2 of 3 -> 7 stars, AHRQ good.
NOS_SEVEN = {item.key: "a" for item in NOS_COHORT.items} | {"C1b": "b", "O3": "c"}
ROB1_LOW = dict.fromkeys(
    ("random_sequence", "allocation_concealment", "blinding_participants", "blinding_outcome",
     "incomplete_outcome", "selective_reporting", "other"), "low")


def _locked(label, instrument, data):
    return LockedStudy(study_id=abs(hash(label)) % 1000, label=label, kind="appraisal", form_version=None,
                       instrument=instrument, data=data, fingerprint="")


def test_nos_domains_are_stars_and_the_overall_is_the_ahrq_conversion():
    [block] = risk_of_bias(LockedData([_locked("Cohort 2019", "nos_cohort", NOS_SEVEN)]))
    row = block["rows"][0]
    assert [text for _, text in row["judgements"]] == ["★★★★ (4/4)", "★ (1/2)", "★★ (2/3)"]
    assert row["overall"] == ("good", "Good (AHRQ), 7/9 ★")
    assert "AHRQ conversion" in block["note"]
    assert "Low" not in str(row)


def test_rob_tools_keep_their_judgements():
    [block] = risk_of_bias(LockedData([_locked("Trial 2020", "rob1", ROB1_LOW)]))
    assert block["rows"][0]["overall"] == ("low", "Low") and "note" not in block


def test_appraisal_summary_of_mixed_instruments_has_no_nan_or_float_stars():
    locked = LockedData([_locked("Trial 2020", "rob1", ROB1_LOW), _locked("Cohort 2019", "nos_cohort", NOS_SEVEN)])
    frame = appraisal_frame(None, locked=locked)
    header, rows = frame_rows(frame)
    assert header[0] == "Study"  # no index column before it
    trial, cohort = rows
    assert cohort[header.index("Stars (0-9)")] == "7"
    assert trial[header.index("Stars (0-9)")] == ""
    assert "nan" not in str(rows).lower() and "7.0" not in str(rows)


def test_records_frame_keeps_whole_numbers_whole_and_gaps_empty():
    frame = records_frame([{"k": 3, "Q_df": 2}, {"k": 1, "error": "too few"}])
    assert list(frame.columns) == ["k", "Q_df", "error"]
    assert list(frame.itertuples(index=False, name=None)) == [(3, 2, None), (1, None, "too few")]
    assert [shown(v) for v in (8.0, float("nan"), None, 0.25, "x")] == ["8", "", "", "0.25", "x"]


@pytest.fixture
def nos_and_rob(team):
    """Two locked appraisals through the services: one NOS cohort, one RoB 1."""
    from extraction.models import Consensus
    from extraction.services.appraisal import appraisal_plan_set
    from extraction.services.assignments import assignment_set
    from extraction.services.consensus import consensus_lock
    from extraction.services.extractions import (
        extraction_save,
        extraction_start,
        extraction_submit,
        parse_values,
    )
    from review.models import Study

    for label, design, instrument, answers in (("Cohort 2019", "cohort", "nos_cohort", NOS_SEVEN),
                                               ("Trial 2020", "rct", "rob1", ROB1_LOW)):
        study = Study.objects.create(review=team.review, label=label, created_by=team.lead)
        appraisal_plan_set(study=study, design=design, instrument=instrument, reason="Test plan", actor=team.lead,
                           expected_version=None)
        assignment_set(study=study, kind="appraisal", users=[team.rev1, team.rev2], actor=team.lead,
                       expected_version=None)
        for user in (team.rev1, team.rev2):
            extraction = extraction_start(study=study, kind="appraisal", user=user)
            values, errors = parse_values(extraction, answers)
            assert not errors, errors
            extraction = extraction_save(extraction=extraction, actor=user, values=values,
                                         expected_version=extraction.version)
            extraction_submit(extraction=extraction, actor=user, expected_version=extraction.version)
        consensus = Consensus.objects.get(study=study, kind="appraisal")
        consensus_lock(consensus=consensus, actor=team.lead, expected_version=consensus.version)


@pytest.mark.django_db
def test_report_shows_nos_stars_and_the_outputs_page_a_clean_table(client_for, team, nos_and_rob):
    client = client_for(team.lead)
    report = client.get(reverse("analysis:report", args=[team.review.slug])).content.decode()
    assert "★★★★ (4/4)" in report and "Good (AHRQ), 7/9 ★" in report and "AHRQ conversion" in report
    page = client.get(reverse("extraction:outputs", args=[team.review.slug])).content.decode()
    summary = page.split('class="appraisal-summary"')[1].split("</table>")[0]
    assert "NaN" not in summary and "7.0" not in summary and "<th></th>" not in summary
    assert '<th scope="col">Study</th>' in summary.split("</tr>")[0]
    rows = list(csv.reader(io.StringIO(
        client.get(reverse("extraction:download", args=[team.review.slug, "appraisal.csv"])).content.decode())))
    stars = rows[0].index("Stars (0-9)")
    assert sorted(r[stars] for r in rows[1:]) == ["", "7"]


def test_pooled_export_keeps_degrees_of_freedom_whole_beside_an_error_row():
    from analysis.exports import analysis_pooled_frame
    from concord.spreadsheets import frame_csv

    pooled = {"k": 4, "model": "REML", "estimate": 0.1, "ci_lb": 0.0, "ci_ub": 0.2, "pi_lb": None, "pi_ub": None,
              "se": 0.05, "zval": 2.0, "pval": 0.04, "tau2": 0.0, "I2": 0.0, "H2": 1.0, "Q": 2.5, "Q_df": 3,
              "Q_p": 0.47, "natural": {"transform": "identity"}}
    results = {"measure": "MD", "k": 4, "pooled": pooled,
               "sensitivity": [{"label": "Without abstracts", "dropped": ["A"], "error": "No study"}]}
    rows = list(csv.DictReader(io.StringIO(frame_csv(analysis_pooled_frame("MMT-8", results)).decode())))
    assert rows[0]["Q_df"] == "3" and rows[0]["k"] == "4"
    assert rows[1]["Q_df"] == "" and rows[1]["error"] == "No study"
