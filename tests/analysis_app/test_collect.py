"""analysis.collect reads locked consensus only, and accounts for every study."""

import csv

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from analysis.collect import CONVERSION_NOTE, FILTERED, MISSING, NOT_LOCKED, collect
from analysis.demo import DATA
from analysis.meta import median_to_mean_sd
from analysis.models import Analysis
from extraction.services.consensus import consensus_unlock
from extraction.services.reconciliation import consensus_value_set

pytestmark = pytest.mark.django_db

T = "@6 months"


def _analysis(team, **kw):
    values = dict(
        review=team.review,
        name="MMT-8",
        outcome="mmt8",
        timepoint="6 months",
        arm1="IVIg",
        arm2="Control",
        measure="MD",
    )
    return Analysis.objects.create(**(values | kw))


def _arms(mean1, sd1, n1, mean2, sd2, n2, **extra):
    return {
        f"mmt8.mean@IVIg{T}": mean1,
        f"mmt8.sd@IVIg{T}": sd1,
        f"mmt8.n@IVIg{T}": n1,
        f"mmt8.mean@Control{T}": mean2,
        f"mmt8.sd@Control{T}": sd2,
        f"mmt8.n@Control{T}": n2,
        **extra,
    }


def test_bcg_inputs_are_the_published_counts(bcg):
    data = collect(bcg)
    with DATA.open() as handle:
        trials = {f"{t['author']} {t['year']}": t for t in csv.DictReader(handle)}
    assert data.k == 13 and not data.left_out
    for row in data.rows:
        t = trials[row.label]
        assert row.inputs == {
            "ai": int(t["tpos"]),
            "n1i": int(t["tpos"]) + int(t["tneg"]),
            "ci": int(t["cpos"]),
            "n2i": int(t["cpos"]) + int(t["cneg"]),
        }
        assert row.fields == {"allocation": t["alloc"]}


def test_open_consensus_never_reaches_the_data_set(team, continuous, lock_study):
    lock_study("Locked 2020", _arms("10", "2", "20", "8", "2", "20"))
    open_one = lock_study("Open 2021", _arms("30", "3", "15", "5", "3", "15"), lock=False)
    analysis = _analysis(team)
    before = collect(analysis)
    assert [r.label for r in before.rows] == ["Locked 2020"]
    assert [(x.label, x.reason) for x in before.left_out] == [("Open 2021", NOT_LOCKED)]
    consensus_value_set(
        consensus=open_one,
        key=f"mmt8.mean@IVIg{T}",
        raw="99",
        actor=team.arbiter,
        reason="typo",
        expected_version=open_one.version,
    )
    after = collect(analysis)
    assert after.fingerprint == before.fingerprint
    assert after.rows == before.rows


def test_unlocking_takes_a_study_out_and_its_open_edits_stay_out(team, continuous, lock_study):
    lock_study("A 2020", _arms("10", "2", "20", "8", "2", "20"))
    b = lock_study("B 2021", _arms("12", "2", "30", "9", "2", "30"))
    analysis = _analysis(team)
    both = collect(analysis)
    b = consensus_unlock(
        consensus=b, actor=team.lead, reason="recheck table 2", expected_version=b.version
    )
    consensus_value_set(
        consensus=b,
        key=f"mmt8.mean@IVIg{T}",
        raw="50",
        actor=team.arbiter,
        reason="recheck",
        expected_version=b.version,
    )
    unlocked = collect(analysis)
    assert [r.label for r in unlocked.rows] == ["A 2020"]
    assert unlocked.rows[0] == both.rows[0]
    assert unlocked.fingerprint != both.fingerprint


def test_missing_data_and_filters_are_reasons(team, continuous, lock_study):
    lock_study("Full 2020", _arms("10", "2", "20", "8", "2", "20", publication_type="Full text"))
    lock_study(
        "Abstract 2021",
        _arms("11", "2", "20", "8", "2", "20", publication_type="Conference abstract"),
    )
    lock_study("Partial 2022", {f"mmt8.mean@IVIg{T}": "10", f"mmt8.n@IVIg{T}": "12"})
    analysis = _analysis(
        team, exclude=[{"field": "publication_type", "op": "contains", "value": "abstract"}]
    )
    data = collect(analysis)
    reasons = {x.label: x.reason for x in data.left_out}
    assert reasons["Abstract 2021"] == FILTERED.format(
        condition="publication_type contains abstract"
    )
    assert reasons["Partial 2022"].startswith(MISSING.format(cells=f"mmt8.sd@IVIg{T}"))
    assert [r.label for r in data.rows] == ["Full 2020"]


@pytest.mark.parametrize("method", ["hozo", "wan", "luo-shi"])
def test_median_and_range_are_converted_and_flagged(team, continuous, lock_study, method):
    raw = {
        f"mmt8.median@IVIg{T}": "60",
        f"mmt8.min@IVIg{T}": "40",
        f"mmt8.max@IVIg{T}": "75",
        f"mmt8.n@IVIg{T}": "18",
        f"mmt8.mean@Control{T}": "55",
        f"mmt8.sd@Control{T}": "8",
        f"mmt8.n@Control{T}": "17",
    }
    lock_study("Median 2019", raw)
    data = collect(_analysis(team, conversion=method))
    row = data.rows[0]
    expected = median_to_mean_sd(minimum=40, median=60, maximum=75, n=18, method=method)
    assert row.inputs["m1i"] == pytest.approx(float(expected.mean), rel=1e-12)
    assert row.inputs["sd1i"] == pytest.approx(float(expected.sd), rel=1e-12)
    assert row.inputs["m2i"] == 55 and row.raw["median_arm1"] == 60
    assert len(row.conversions) == 1 and row.conversions[0].startswith(
        "IVIg: mean and SD estimated"
    )
    assert CONVERSION_NOTE.split(":")[0] == "{arm}"


def test_hozo_cannot_convert_quartiles_and_says_so(team, continuous, lock_study):
    lock_study(
        "IQR 2019",
        {
            f"mmt8.median@IVIg{T}": "60",
            f"mmt8.q1@IVIg{T}": "50",
            f"mmt8.q3@IVIg{T}": "70",
            f"mmt8.n@IVIg{T}": "18",
            f"mmt8.mean@Control{T}": "55",
            f"mmt8.sd@Control{T}": "8",
            f"mmt8.n@Control{T}": "17",
        },
    )
    data = collect(_analysis(team, conversion="hozo"))
    assert data.k == 0
    assert "cannot be converted" in data.left_out[0].reason


def test_locked_values_cannot_be_changed_behind_collect(team, continuous, lock_study):
    locked = lock_study("A 2020", _arms("10", "2", "20", "8", "2", "20"))
    before = collect(_analysis(team))
    with pytest.raises(ValidationError):
        consensus_value_set(
            consensus=locked,
            key=f"mmt8.mean@IVIg{T}",
            raw="1",
            actor=team.lead,
            reason="x",
            expected_version=locked.version,
        )
    assert collect(team.review.analyses.get()).fingerprint == before.fingerprint
    assert np.isfinite(before.rows[0].inputs["m1i"])


def test_the_data_set_is_a_tidy_frame(bcg):
    frame = collect(bcg).frame()
    assert list(frame.columns[:5]) == ["study", "ai", "n1i", "ci", "n2i"]
    assert len(frame) == 13 and set(frame["allocation"]) == {"random", "alternate", "systematic"}
