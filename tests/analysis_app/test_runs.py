"""Runs: the engine's numbers stored whole, reproducible, and marked stale when data move."""

import csv

import numpy as np
import pytest

from analysis import meta
from analysis.demo import DATA
from analysis.engine import engine_version
from analysis.models import AnalysisRun
from analysis.selectors import analysis_status, latest_run, review_statuses
from analysis.services import analysis_run, analysis_update
from extraction.models import Consensus
from extraction.services.consensus import consensus_lock, consensus_unlock

from .conftest import REFERENCE

pytestmark = pytest.mark.django_db


def engine_fit(order):
    """The same analysis straight from the published table, without Django, the trials in
    ``order`` (summation order moves the last bit of a float)."""
    with DATA.open() as handle:
        rows = {f"{r['author']} {r['year']}": r for r in csv.DictReader(handle)}
    t = [rows[label] for label in order]
    col = lambda name: np.array([float(r[name]) for r in t])  # noqa: E731
    es = meta.escalc(
        "RR",
        ai=col("tpos"),
        bi=col("tneg"),
        ci=col("cpos"),
        di=col("cneg"),
        slab=[f"{r['author']} {r['year']}" for r in t],
    )
    return es, meta.rma(es, method="REML"), [r["alloc"] for r in t]


def test_run_stores_the_engines_numbers(bcg):
    results = latest_run(bcg).results
    es, res, alloc = engine_fit([s["label"] for s in results["studies"]])
    by_label = {s["label"]: s for s in results["studies"]}
    for i, label in enumerate(es.slab):
        assert by_label[label]["yi"] == float(es.yi[i])
        assert by_label[label]["vi"] == float(es.vi[i])
    p = results["pooled"]
    assert (p["estimate"], p["ci_lb"], p["ci_ub"], p["tau2"], p["I2"], p["Q"]) == (
        res.estimate,
        res.ci_lb,
        res.ci_ub,
        res.tau2,
        res.I2,
        res.Q,
    )
    assert p["pi_lb"] == res.pi_lb and p["natural"]["estimate"] == res.transformed().estimate
    assert results["k"] == 13 and results["n_total"] == sum(s["n"] for s in results["studies"])
    sg = meta.subgroup(es.yi, es.vi, alloc, method="REML")
    assert results["subgroups"]["QM"] == sg.QM
    assert results["subgroups"]["Q_between"] == sg.Q_between


def test_run_agrees_with_metafor(bcg):
    p = latest_run(bcg).results["pooled"]
    for name in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "Q"):
        assert p[name] == pytest.approx(REFERENCE[name], rel=1e-6), name
    assert latest_run(bcg).results["subgroups"]["QM"] == pytest.approx(
        REFERENCE["QM_alloc"], rel=1e-6
    )


def test_rerunning_unchanged_data_gives_identical_numbers(bcg):
    first = latest_run(bcg)
    second = analysis_run(analysis=bcg)
    assert second.results == first.results
    assert second.fingerprint == first.fingerprint
    assert second.engine_version == engine_version()


def test_run_has_every_part(bcg):
    r = latest_run(bcg).results
    assert set(r["subgroups"]["groups"]) == {"random", "alternate", "systematic"}
    assert [v["label"] for v in r["sensitivity"]] == [
        "Drop trials nearer the equator than 30°",
        "Drop influential outliers",
    ]
    assert r["sensitivity"][0]["pooled"]["k"] == 8
    assert len(r["leave1out"]) == len(r["influence"]) == 13
    assert set(r["small_study"]) == {"egger", "begg", "harbord", "trimfill"}
    assert r["pooled"]["model"] == "REML"


def test_unlocking_used_data_marks_the_run_stale_and_relocking_clears_it(team, bcg):
    assert not analysis_status(bcg).stale
    consensus = Consensus.objects.filter(study__review=team.review, kind="extraction").first()
    consensus = consensus_unlock(
        consensus=consensus, actor=team.lead, reason="check", expected_version=consensus.version
    )
    status = analysis_status(bcg)
    assert status.stale and status.state == "out of date"
    assert AnalysisRun.objects.get(pk=status.run.pk).stale
    consensus_lock(consensus=consensus, actor=team.lead, expected_version=consensus.version)
    assert not analysis_status(bcg).stale


def test_editing_the_analysis_marks_the_run_stale(team, bcg):
    analysis_update(
        analysis=bcg, actor=team.lead, values={"method": "DL"}, expected_version=bcg.version
    )
    assert [s.state for s in review_statuses(team.review) if s.analysis.pk == bcg.pk] == [
        "out of date"
    ]
    run = analysis_run(analysis=bcg.__class__.objects.get(pk=bcg.pk))
    assert run.results["pooled"]["model"] == "DL" and not run.stale


def test_auto_model_reports_the_model_it_used(team, bcg):
    other = team.review.analyses.get(measure="OR")
    pooled = latest_run(other).results["pooled"]
    assert pooled["model"] == "REML"  # I² > 0 in these trials, so random effects
    assert latest_run(other).results["small_study"]["peters"]["pval"] is not None


def test_a_run_of_an_outcome_no_locked_study_has_names_it(team, bcg):
    analysis_update(
        analysis=bcg, actor=team.lead, values={"outcome": "nothing"}, expected_version=bcg.version
    )
    run = analysis_run(analysis=bcg.__class__.objects.get(pk=bcg.pk))
    # Thirteen studies are locked: "no study has locked data" would be false.
    assert run.results["error"] == "No locked study has outcome 'nothing'."
    assert len(run.results["left_out"]) == 13


def test_a_run_of_a_misspelt_arm_names_the_arm(team, bcg):
    analysis_update(
        analysis=bcg, actor=team.lead, values={"arm1": "BCG vaccine"}, expected_version=bcg.version
    )
    run = analysis_run(analysis=bcg.__class__.objects.get(pk=bcg.pk))
    assert run.results["error"] == "No locked study has arm 'BCG vaccine' for outcome 'tb'."


def test_a_run_says_no_locked_data_only_when_none_is_locked(team, bcg):
    from analysis.compute import NO_STUDIES

    for consensus in Consensus.objects.filter(study__review=team.review, kind="extraction"):
        consensus_unlock(
            consensus=consensus, actor=team.lead, reason="recheck", expected_version=consensus.version
        )
    run = analysis_run(analysis=bcg)
    assert run.results["error"] == NO_STUDIES
    assert {x["reason"] for x in run.results["left_out"]} == {"not locked"}


def test_outliers_from_the_stored_influence_equal_the_engines_rule():
    from analysis.compute import flagged_outliers

    rng = np.random.default_rng(7)
    yi = np.r_[rng.normal(0, 0.2, 20), 2.5]
    vi = rng.uniform(0.01, 0.1, 21)
    res = meta.rma(yi, vi, method="REML")
    assert list(flagged_outliers(meta.influence(res))) == list(meta.outliers(res)) == [20]
