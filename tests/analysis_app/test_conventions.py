"""R meta's models and conventions through the editor, the runs, the pages and the exports.

The BCG trials (metafor's dat.bcg) of the demo: Mantel-Haenszel and Peto on their 2x2
counts, a GLMM on the vaccinated arms' proportions; every number is the engine's on the
same counts, and every page says which model, which I^2 and which prediction interval.
"""

import io

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

from analysis import meta
from analysis.collect import WAN_TABLES_NOTE, collect
from analysis.conventions import POOLING_NEEDS_MEASURE
from analysis.models import Analysis
from analysis.selectors import latest_run
from analysis.services import analysis_create, analysis_run

pytestmark = pytest.mark.django_db

T = "@6 months"


def url(name, review, *args):
    return reverse(f"analysis:{name}", args=[review.slug, *args])


def _counts(run):
    return {
        name: np.array([s["inputs"][name] for s in run.results["studies"]], dtype=float)
        for name in run.results["studies"][0]["inputs"]
    }


def _create(team, **values):
    base = {
        "name": "BCG, Mantel-Haenszel",
        "outcome": "tb",
        "arm1": "BCG",
        "arm2": "Control",
        "measure": "RR",
    }
    analysis = analysis_create(review=team.review, actor=team.lead, values=base | values)
    return analysis, analysis_run(analysis=analysis, actor=team.lead)


def test_editor_offers_the_models_and_conventions(team, bcg, client_for):
    html = client_for(team.lead).get(url("new", team.review)).content.decode()
    assert "Models and conventions of R&#x27;s meta" in html
    for text in (
        "Mantel–Haenszel, common effect",
        "Peto, common effect",
        "GLMM, random effects",
        "GLMM, common effect",
        "I² from Q (Higgins &amp; Thompson 2002)",
        "t(k−2) (Higgins, Thompson &amp; Spiegelhalter 2009)",
        "Clopper–Pearson",
        "Wan 2014 small-sample tables",
    ):
        assert text in html, text


def test_lead_chooses_mantel_haenszel_through_the_editor(team, bcg, client_for):
    data = {
        "name": "MH risk ratio",
        "outcome": "tb",
        "arm1": "BCG",
        "arm2": "Control",
        "measure": "RR",
        "method": "REML",
        "re_method": "REML",
        "test": "z",
        "level": "95",
        "conversion": "luo-shi",
        "pooling": "mh",
        "i2_convention": "Q",
        "pi_type": "hts",
        "study_ci": "clopper-pearson",
    }
    response = client_for(team.lead).post(url("new", team.review), data)
    assert response.status_code == 302
    created = Analysis.objects.get(name="MH risk ratio")
    assert (created.pooling, created.i2_convention, created.pi_type) == ("mh", "Q", "hts")
    edit = client_for(team.lead).get(url("edit", team.review, created.pk)).content.decode()
    assert '<option value="mh" selected>' in edit


def test_a_model_that_cannot_pool_the_measure_is_refused(team, bcg, client_for):
    data = {
        "name": "Wrong",
        "outcome": "tb",
        "arm1": "BCG",
        "arm2": "",
        "measure": "PLO",
        "method": "REML",
        "re_method": "REML",
        "test": "z",
        "level": "95",
        "conversion": "luo-shi",
        "pooling": "mh",
    }
    response = client_for(team.lead).post(url("new", team.review), data)
    assert response.status_code == 400
    message = POOLING_NEEDS_MEASURE.format(model="Mantel–Haenszel", measures="OR, RR, RD")
    assert message.replace("'", "&#x27;") in response.content.decode()


def test_mantel_haenszel_run_equals_the_engine_and_pages_name_it(team, bcg, client_for):
    analysis, run = _create(team, pooling="mh", i2_convention="Q", subgroup_field="allocation")
    c = _counts(run)
    want = meta.rma_mh(measure="RR", ai=c["ai"], n1i=c["n1i"], ci=c["ci"], n2i=c["n2i"])
    p = run.results["pooled"]
    assert (p["model"], p["estimate"], p["se"], p["Q"]) == ("MH", want.estimate, want.se, want.Q)
    assert (p["I2_Q"], p["I2_Q_ci_lb"], p["I2_Q_ci_ub"]) == (
        want.I2_Q,
        want.I2_Q_ci_lb,
        want.I2_Q_ci_ub,
    )
    assert p["pi_lb"] is None and p["tau2"] is None
    sub = run.results["subgroups"]
    assert sub["common_effect"] and set(sub["groups"]) == {"alternate", "random", "systematic"}
    html = client_for(team.rev1).get(url("detail", team.review, analysis.pk)).content.decode()
    assert "Model: Mantel–Haenszel." in html
    assert "I² from Q (Higgins &amp; Thompson 2002), with its 95.0% confidence interval" in html
    assert f"{p['I2_Q']:.1f}% [{p['I2_Q_ci_lb']:.1f}, {p['I2_Q_ci_ub']:.1f}]" in html
    assert "separate common-effect fits: Q = " in html
    svg = client_for(team.rev1).get(url("plot", team.review, analysis.pk, "forest", "svg"))
    text = b"".join(svg.streaming_content if svg.streaming else [svg.content]).decode()
    assert "Mantel–Haenszel" in text
    report = client_for(team.rev1).get(url("report", team.review)).content.decode()
    assert "Model: Mantel–Haenszel." in report


def test_peto_run_equals_the_engine(team, bcg):
    _, run = _create(team, name="BCG, Peto", measure="OR", pooling="peto")
    c = _counts(run)
    want = meta.rma_peto(ai=c["ai"], n1i=c["n1i"], ci=c["ci"], n2i=c["n2i"])
    p = run.results["pooled"]
    assert (p["model"], p["estimate"], p["ci_lb"], p["I2"]) == (
        "PETO",
        want.estimate,
        want.ci_lb,
        want.I2,
    )
    assert p["natural"]["estimate"] == pytest.approx(np.exp(want.estimate), rel=1e-15)


def test_glmm_of_proportions_with_hts_interval_and_clopper_pearson(team, bcg, client_for):
    analysis, run = _create(
        team,
        name="BCG arm, GLMM",
        arm2="",
        measure="PLO",
        pooling="glmm-random",
        pi_type="hts",
    )
    c = _counts(run)
    want = meta.rma_glmm(c["xi"], c["ni"], pi_type="hts")
    p = run.results["pooled"]
    assert p["model"] == "GLMM" and p["estimate"] == want.estimate and p["tau2"] == want.tau2
    assert (p["pi_lb"], p["pi_ub"], p["pi_type"]) == (want.pi_lb, want.pi_ub, "hts")
    cp = meta.clopper_pearson(c["xi"], c["ni"])
    first = run.results["studies"][0]["natural"]
    assert (first["ci_lb"], first["ci_ub"]) == (cp.ci_lb[0], cp.ci_ub[0])
    html = client_for(team.rev1).get(url("detail", team.review, analysis.pk)).content.decode()
    assert "Model: GLMM (random effects)." in html
    assert "Prediction interval t(k−2) (Higgins, Thompson &amp; Spiegelhalter 2009)." in html
    assert '<small class="muted pi-type">t(k−2)</small>' in html
    assert "Estimate [CI, Clopper–Pearson (exact)]" in html
    svg = client_for(team.rev1).get(url("plot", team.review, analysis.pk, "forest", "svg"))
    text = b"".join(svg.streaming_content if svg.streaming else [svg.content]).decode()
    assert "Clopper–Pearson" in text and "GLMM" in text and "Prediction interval, t(k−2)" in text


def test_common_effect_glmm(team, bcg):
    _, run = _create(team, name="BCG arm, GLMM FE", arm2="", measure="PLO", pooling="glmm-common")
    c = _counts(run)
    want = meta.rma_glmm(c["xi"], c["ni"], method="FE")
    p = run.results["pooled"]
    assert p["model"] == "GLMM-FE" and p["estimate"] == want.estimate and p["tau2"] == 0
    assert p["common_effect"]


def test_inverse_variance_tables_say_which_i2_they_show(team, bcg, client_for):
    run = latest_run(bcg)
    p = run.results["pooled"]
    assert p["I2_label"] == "from τ²" and p["I2_shown"] == p["I2"]
    html = client_for(team.rev1).get(url("detail", team.review, bcg.pk)).content.decode()
    assert '<small class="muted i2-source">from τ²</small>' in html
    assert "I² from τ² (metafor)." in html
    analysis, run = _create(team, name="BCG, I2 from Q", pooling="iv", i2_convention="Q")
    res = meta.rma(
        [s["yi"] for s in run.results["studies"]], [s["vi"] for s in run.results["studies"]]
    )
    assert run.results["pooled"]["I2_shown"] == res.I2_Q
    frame = pd.read_csv(
        io.BytesIO(client_for(team.rev1).get(url("table", team.review, analysis.pk, "csv")).content)
    )
    main = frame[frame["section"] == "main"].iloc[0]
    assert main["I2_source"] == "from τ²" and main["I2_Q"] == res.I2_Q
    assert main["model_name"] == "Inverse variance"


def test_wan_tables_convert_small_samples_as_meta(team, continuous, lock_study):
    raw = {
        f"mmt8.median@IVIg{T}": "60",
        f"mmt8.q1@IVIg{T}": "52",
        f"mmt8.q3@IVIg{T}": "66",
        f"mmt8.n@IVIg{T}": "9",
        f"mmt8.mean@Control{T}": "55",
        f"mmt8.sd@Control{T}": "8",
        f"mmt8.n@Control{T}": "9",
    }
    lock_study("Quartiles 2019", raw)
    analysis = Analysis.objects.create(
        review=team.review,
        name="MMT-8",
        outcome="mmt8",
        timepoint="6 months",
        arm1="IVIg",
        arm2="Control",
        measure="MD",
        wan_tables=True,
    )
    row = collect(analysis).rows[0]
    want = meta.median_to_mean_sd(q1=52, median=60, q3=66, n=9, tables=True)
    assert row.inputs["sd1i"] == pytest.approx(float(want.sd), rel=1e-12)
    assert row.inputs["sd1i"] == pytest.approx(14 / 1.144, rel=1e-12)  # Table 2, Q = 2
    assert row.conversions[0].endswith(WAN_TABLES_NOTE + ")")
