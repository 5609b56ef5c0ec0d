"""The R code beside each analysis, run with Rscript on the exported data set, gives
Concord's numbers (metafor from Debian, as the reference scripts use)."""

import os
import shutil
import subprocess

import pytest
from django.urls import reverse

from analysis.models import Analysis
from analysis.r_code import csv_name
from analysis.selectors import latest_run
from analysis.services import analysis_create, analysis_run

pytestmark = pytest.mark.django_db

RSCRIPT = shutil.which("Rscript")
NO_R = "Rscript is not on PATH: install R and metafor (apt-get install r-base-core r-cran-metafor)"
if RSCRIPT is None and os.environ.get("CONCORD_REQUIRE_R"):
    # CI installs R: there a missing Rscript is a failure, not a skip.
    pytest.fail(NO_R, pytrace=False)
TOLERANCE = 1e-6

# Appended to the generated code: every fit it made, one line each, at full precision.
HARNESS = r"""
.or0 <- function(x) if (is.null(x)) 0 else x
.show <- function(tag, r) cat(tag, sprintf("%.17g", c(r$b[1], r$ci.lb, r$ci.ub, .or0(r$tau2), .or0(r$I2))), sep = "\t")
.show("main", res); cat("\n")
if (exists("nat")) { cat("natural", sprintf("%.17g", c(nat$pred, nat$ci.lb, nat$ci.ub)), sep = "\t"); cat("\n") }
if (exists("res_sub")) for (g in names(res_sub)) { .show(paste0("sub:", g), res_sub[[g]]); cat("\n") }
if (exists("q_between")) { cat("q_between", sprintf("%.17g", q_between$QE), sep = "\t"); cat("\n") }
if (exists("res_mixed")) { cat("qm", sprintf("%.17g", res_mixed$QM), sep = "\t"); cat("\n") }
if (exists("res_sens")) for (g in names(res_sens)) { .show(paste0("sens:", g), res_sens[[g]]); cat("\n") }
if (exists("p_null")) { cat("null", sprintf("%.17g", c(z_null, p_null)), sep = "\t"); cat("\n") }
if (exists("egger")) { cat("egger", sprintf("%.17g", c(egger$zval, egger$pval)), sep = "\t"); cat("\n") }
if (exists("begg")) { cat("begg", sprintf("%.17g", c(begg$tau, begg$pval)), sep = "\t"); cat("\n") }
if (exists("tf")) { cat("trimfill", sprintf("%.17g", c(tf$k0, tf$b[1])), sep = "\t"); cat("\n") }
"""


def _run_r(tmp_path, client, analysis) -> dict[str, list[float]]:
    review = analysis.review
    data = client.get(reverse("analysis:dataset", args=[review.slug, analysis.pk]))
    code = client.get(reverse("analysis:reproduce", args=[review.slug, analysis.pk]))
    assert data.status_code == 200 and code.status_code == 200
    (tmp_path / csv_name(analysis.name)).write_bytes(data.content)
    script = tmp_path / "reproduce.R"
    script.write_text(code.content.decode() + HARNESS, encoding="utf-8")
    done = subprocess.run(
        [RSCRIPT, "--vanilla", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = {}
    for line in done.stdout.splitlines():
        tag, *values = line.split("\t")
        known = ("main", "natural", "q_between", "qm", "egger", "begg", "trimfill", "null")
        if values and (tag in known or tag.startswith(("sub:", "sens:"))):
            out[tag] = [float(v) for v in values]
    return out


def _close(r_values, concord_values, what, tol=TOLERANCE):
    for r, c, name in zip(
        r_values, concord_values, ("estimate", "ci_lb", "ci_ub", "tau2", "I2"), strict=False
    ):
        if c is None and name in ("tau2", "I2"):
            continue  # a common-effect Mantel-Haenszel or Peto fit has neither
        assert abs(r - c) <= tol * max(1.0, abs(c)), f"{what} {name}: R {r!r}, Concord {c!r}"


def _pooled(p):
    return [p["estimate"], p["ci_lb"], p["ci_ub"], p["tau2"], p["I2"]]


def check_against_r(tmp_path, client, analysis):
    results = latest_run(analysis).results
    assert "pooled" in results, results.get("error")
    out = _run_r(tmp_path, client, analysis)
    # A GLMM's standard error comes from a numerical Hessian on Concord's side and from lme4
    # or glm on R's: the engine's own GLMM reference test allows 3e-6 in it (tests/analysis/
    # test_glmm.py), and on these small subgroups the common-effect fit differs by up to 2e-5
    # in Q between, which is worth a look in analysis.meta.glmm.
    tol = 5e-5 if results["spec"].get("pooling", "iv").startswith("glmm") else TOLERANCE
    _close(out["main"], _pooled(results["pooled"]), "main", tol)
    natural = results["pooled"]["natural"]
    if natural["transform"] != "identity":
        _close(out["natural"], [natural["estimate"], natural["ci_lb"], natural["ci_ub"]], "natural")
    sub = results.get("subgroups") or {}
    for label, pooled in (sub.get("groups") or {}).items():
        _close(out[f"sub:{label}"], _pooled(pooled), f"subgroup {label}", tol)
    if sub.get("groups"):
        _close(out["q_between"], [sub["Q_between"]], "Q between", tol)
        if sub.get("QM") is not None and results["spec"].get("pooling", "iv") == "iv":
            _close(out["qm"], [sub["QM"]], "QM")
    for variant in results.get("sensitivity", []):
        if variant.get("pooled"):
            _close(
                out[f"sens:{variant['label']}"], _pooled(variant["pooled"]), variant["label"], tol
            )
    null = results["pooled"].get("null")
    if null:
        _close(out["null"], [null["zval"], null["pval"]], "test against the null proportion")
    tests = results.get("small_study") or {}
    if "statistic" in tests.get("egger", {}):
        _close(out["egger"], [tests["egger"]["statistic"], tests["egger"]["pval"]], "Egger")
    if "tau" in tests.get("begg", {}):
        _close(out["begg"], [tests["begg"]["tau"], tests["begg"]["pval"]], "Begg")
    if "k0" in tests.get("trimfill", {}):
        tf = tests["trimfill"]
        assert out["trimfill"][0] == tf["k0"], "trim and fill k0"
        # The filled model's refit stops at the engine's trim-and-fill tolerance, looser than
        # the 1e-12 of the code's control: agreement to 1e-5 here.
        estimate = tf["pooled"]["estimate"]
        assert abs(out["trimfill"][1] - estimate) <= 1e-5 * max(1.0, abs(estimate)), "trim and fill"
    return out


@pytest.mark.skipif(RSCRIPT is None, reason=NO_R)
@pytest.mark.parametrize("measure", ["RR", "OR"])
def test_r_code_of_each_demo_analysis_reproduces_concords_numbers(
    team, bcg, client_for, tmp_path, measure
):
    analysis = team.review.analyses.get(measure=measure)
    out = check_against_r(tmp_path, client_for(team.rev1), analysis)
    if measure == "RR":  # subgroups by allocation and two sensitivity analyses were checked
        assert {"sub:random", "sub:alternate", "sub:systematic", "qm", "q_between"} <= set(out)
        assert sum(tag.startswith("sens:") for tag in out) == 2
        assert {"egger", "begg", "trimfill"} <= set(out)


T = "@6 months"
# Test inputs chosen to be heterogeneous (so tau^2 > 0 for most estimators); not study data.
ROWS = [
    # label, cr events/total IVIg, Control; mmt8 mean/sd/n IVIg, Control; cpk pre/post, route
    (
        "Alpha 2001",
        (8, 20),
        (3, 19),
        (62.0, 8.1, 20),
        (55.0, 9.0, 19),
        (1200, 400, 900, 350, 20, 0.6),
        "IV",
    ),
    (
        "Beta 2004",
        (12, 30),
        (6, 31),
        (58.5, 7.2, 30),
        (57.0, 7.9, 31),
        (980, 300, 600, 310, 30, None),
        "SC",
    ),
    (
        "Gamma 2010",
        (5, 15),
        (2, 14),
        (66.1, 10.3, 15),
        (52.4, 9.8, 14),
        (1500, 520, 700, 290, 15, 0.4),
        "IV",
    ),
    (
        "Delta 2015",
        (20, 25),
        (9, 26),
        (60.2, 6.5, 25),
        (59.8, 6.1, 26),
        (1100, 380, 1000, 360, 25, 0.7),
        "SC",
    ),
    (
        "Epsilon 2018",
        (3, 40),
        (0, 38),
        (57.0, 11.0, 40),
        (50.5, 10.2, 38),
        (1300, 410, 800, 300, 40, None),
        "IV",
    ),
    (
        "Zeta 2021",
        (14, 22),
        (13, 21),
        (63.3, 5.9, 22),
        (54.1, 6.6, 21),
        (1250, 450, 650, 280, 22, 0.5),
        "SC",
    ),
]


def _values(row):
    label, cr1, cr2, mm1, mm2, cpk, route = row
    v = {
        f"cr.events@IVIg{T}": cr1[0],
        f"cr.total@IVIg{T}": cr1[1],
        f"cr.events@Control{T}": cr2[0],
        f"cr.total@Control{T}": cr2[1],
        f"mmt8.mean@IVIg{T}": mm1[0],
        f"mmt8.sd@IVIg{T}": mm1[1],
        f"mmt8.n@IVIg{T}": mm1[2],
        f"mmt8.mean@Control{T}": mm2[0],
        f"mmt8.sd@Control{T}": mm2[1],
        f"mmt8.n@Control{T}": mm2[2],
        "cpk.pre_mean@IVIg": cpk[0],
        "cpk.pre_sd@IVIg": cpk[1],
        "cpk.post_mean@IVIg": cpk[2],
        "cpk.post_sd@IVIg": cpk[3],
        "cpk.n@IVIg": cpk[4],
        "route": route,
    }
    if cpk[5] is not None:
        v["cpk.correlation@IVIg"] = cpk[5]
    return {k: str(x) for k, x in v.items()}


def _spec(measure, **over):
    outcome = {"binary": "cr", "continuous": "mmt8", "change": "cpk"}
    from analysis.measures import MEASURE_INPUTS

    inputs = MEASURE_INPUTS[measure]
    spec = {
        "name": f"{measure} {over.get('method', 'REML')} {over.get('test', 'z')}",
        "outcome": outcome[inputs.outcome_type],
        "timepoint": "" if inputs.outcome_type == "change" else "6 months",
        "arm1": "IVIg",
        "arm2": "Control" if inputs.two_arms else "",
        "measure": measure,
        "subgroup_field": "route",
        "sensitivity": [{"label": "Drop influential outliers", "kind": "outliers"}],
        "small_study_tests": ["egger", "begg", "trimfill"],
    }
    if inputs.outcome_type == "change":
        spec["assumed_correlation"] = 0.5
    return spec | over


CASES = [
    _spec("PLO"),
    _spec("RR", pooling="mh", name="RR Mantel-Haenszel"),
    _spec("OR", pooling="peto", name="OR Peto"),
    _spec("PLO", pooling="glmm-random", name="PLO GLMM random"),
    _spec("PLO", pooling="glmm-common", name="PLO GLMM common"),
    _spec("PLO", method="DL", null_value=0.3, name="PLO against 0.3"),
    _spec("PFT", test="knha", null_value=0.25, name="PFT against 0.25"),
    _spec("PAS", method="FE", null_value=0.4, name="PAS against 0.4"),
    _spec("PR", method="DL"),
    _spec("PLN", method="auto", test="knha"),
    _spec("PAS", method="PM"),
    _spec("PFT", method="REML", level=90),
    _spec("RD", method="DL", test="knha"),
    _spec("PETO", method="FE"),
    _spec("MD", method="PM", test="knha"),
    _spec("SMD", method="REML"),
    _spec("ROM", method="HE"),
    _spec("MN", method="ML"),
    _spec("MC", method="SJ"),
    _spec("SMCC", method="HS"),
    _spec("SMCR", method="EB"),
]


@pytest.fixture
def every_measure(team, continuous, lock_study):
    for row in ROWS:
        lock_study(row[0], _values(row))
    analyses = []
    for spec in CASES:
        analysis = analysis_create(review=team.review, actor=team.lead, values=spec)
        analysis_run(analysis=analysis, with_figures=False)
        analyses.append(analysis)
    return analyses


@pytest.mark.skipif(RSCRIPT is None, reason=NO_R)
def test_r_code_of_every_measure_reproduces_concords_numbers(
    team, every_measure, client_for, tmp_path
):
    client = client_for(team.rev1)
    for analysis in every_measure:
        folder = tmp_path / str(analysis.pk)
        folder.mkdir()
        try:
            out = check_against_r(folder, client, analysis)
        except AssertionError as exc:
            raise AssertionError(f"{analysis.name}: {exc}") from exc
        assert {"main", "sub:IV", "sub:SC", "q_between"} <= set(out), analysis.name
        if analysis.null_value is not None:
            assert "null" in out, analysis.name


def test_r_code_names_the_settings_and_the_data_set(team, bcg, client_for):
    odds = team.review.analyses.get(measure="OR")
    code = client_for(team.rev1).get(
        reverse("analysis:reproduce", args=[team.review.slug, odds.pk])
    )
    text = code.content.decode()
    assert code["Content-Type"] == "text/plain; charset=utf-8"
    assert f'read.csv("{csv_name(odds.name)}"' in text
    assert 'escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat)' in text
    # "auto" chose random effects (I^2 > 0), so the code fits the model the run used.
    assert 'method = "REML", test = "knha", level = 95, control = ctl)' in text
    assert "meta::metabin(ai, n1i, ci, n2i" in text and 'method.random.ci = "HK"' in text


def test_an_empty_run_has_code_that_says_there_is_nothing_to_reproduce(team, bcg, client_for):
    empty = Analysis.objects.create(
        review=team.review,
        name="Empty",
        outcome="tb",
        arm1="BCG",
        measure="PLO",
        timepoint="1 year",
    )
    analysis_run(analysis=empty)
    text = client_for(team.rev1).get(
        reverse("analysis:reproduce", args=[team.review.slug, empty.pk])
    )
    assert "there is nothing to reproduce" in text.content.decode()
    assert "rma(" not in text.content.decode()


def test_the_results_page_and_the_reports_appendix_show_the_code(team, bcg, client_for):
    client = client_for(team.rev1)
    page = client.get(reverse("analysis:detail", args=[team.review.slug, bcg.pk])).content.decode()
    assert "R code that reproduces these numbers" in page
    assert reverse("analysis:reproduce", args=[team.review.slug, bcg.pk]) in page
    assert "res &lt;- rma(yi, vi, data = dat, slab = study, method = &quot;REML&quot;" in page
    report = client.get(reverse("analysis:report", args=[team.review.slug])).content.decode()
    appendix = report[report.index("Appendix: R code that reproduces each analysis") :]
    for analysis in team.review.analyses.all():
        assert f"<h3>{analysis.name}</h3>" in appendix
        assert f"read.csv(&quot;{csv_name(analysis.name)}&quot;" in appendix
