"""One scale, one meaning: natural-scale leave-one-out, subgroup weights said and matched,
data columns and "favours" labels on forest plots, a proportion's p-value only against the
null the lead sets (and the contour funnel on the same null)."""

import csv
import io
import math

import pytest
from django.urls import reverse
from matplotlib.text import Text
from scipy.special import expit, logit
from scipy.stats import norm

from analysis import figures
from analysis.models import Analysis
from analysis.nulls import NO_NULL
from analysis.selectors import latest_run
from analysis.services import NULL_FOR_PROPORTIONS, analysis_create, analysis_run, analysis_update
from review.models import AuditEvent

pytestmark = pytest.mark.django_db


def url(name, review, *args):
    return reverse(f"analysis:{name}", args=[review.slug, *args])


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _proportion(team, **over):
    values = {"name": "TB risk with BCG", "outcome": "tb", "arm1": "BCG", "measure": "PLO", "method": "REML",
              "small_study_tests": ["contours"]} | over
    analysis = analysis_create(review=team.review, actor=team.lead, values=values)
    analysis_run(analysis=analysis, actor=team.lead)
    return analysis


def test_a_single_proportion_has_no_p_value_without_a_null(team, bcg, client_for):
    analysis = _proportion(team)
    results = latest_run(analysis).results
    assert results["pooled"]["pval"] is None and results["pooled"]["null"] is None
    assert all(r["pval"] is None for r in results["leave1out"])
    html = client_for(team.rev1).get(url("detail", team.review, analysis.pk)).content.decode()
    assert "No p-value: a single proportion has no natural null" in html
    assert "a proportion of 0.5" in html
    # No contours without a null: nothing to be significant against.
    funnel = texts(figures.figure(results, "funnel"))
    assert "p < 0.01" not in funnel
    assert NO_NULL.startswith("No p-value")


def test_the_lead_s_null_gives_the_p_value_and_centres_the_contours(team, bcg, client_for):
    analysis = _proportion(team, null_value=0.05)
    results = latest_run(analysis).results
    p = results["pooled"]
    # By hand: z = (logit estimate - logit(0.05)) / se, two-sided normal p-value.
    z = (p["estimate"] - logit(0.05)) / p["se"]
    assert p["null"]["analysis_scale"] == pytest.approx(logit(0.05))
    assert p["zval"] == pytest.approx(z) and p["pval"] == pytest.approx(2 * norm.sf(abs(z)))
    html = client_for(team.rev1).get(url("detail", team.review, analysis.pk)).content.decode()
    assert "against the null proportion 0.05" in html and "vs 0.05" in html
    body = client_for(team.rev1).get(url("table", team.review, analysis.pk, "csv")).content.decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert float(row["null_proportion"]) == 0.05 and float(row["pval"]) == pytest.approx(p["pval"])
    fig = figures.figure(results, "funnel")
    assert "p < 0.01" in texts(fig) and "Contours: p against a proportion of 0.05" in texts(fig)
    # The contours' reference line sits at logit(0.05) on the funnel's analysis-scale axis.
    assert any(list(line.get_xdata()) == pytest.approx([logit(0.05)] * 2) for line in fig.axes[0].lines)
    # The forest plot draws the null line at 0.05 on its proportion axis.
    forest = figures.figure(results, "forest")
    assert any(list(line.get_xdata()) == pytest.approx([0.05, 0.05]) for line in forest.axes[0].lines)


def test_leave_one_out_is_shown_on_the_natural_scale_and_exported_on_both(team, bcg, client_for):
    analysis = _proportion(team)
    rows = latest_run(analysis).results["leave1out"]
    first = rows[0]
    assert first["natural"]["transform"] == "ilogit"
    assert first["natural"]["estimate"] == pytest.approx(expit(first["estimate"]))
    client = client_for(team.rev1)
    html = client.get(url("detail", team.review, analysis.pk)).content.decode()
    table = html.split('class="leave1out"')[1].split("</table>")[0]
    assert f'data-value="{first["natural"]["estimate"]!r}"' in table
    assert f"{first['estimate']:.4f}" not in table  # the logit is not on the page
    influence = html.split('class="influence"')[1].split("</table>")[0]
    assert f"{first['natural']['estimate']:.2f}" in influence
    book = client.get(url("table", team.review, analysis.pk, "xlsx"))
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(book.content))["leave-one-out"]
    header, values = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    row = dict(zip(header, values, strict=True))
    assert row["estimate"] == pytest.approx(first["estimate"])  # analysis (logit) scale kept
    assert row["estimate_ilogit"] == pytest.approx(first["natural"]["estimate"])
    assert "natural" not in header


def test_ratio_leave_one_out_is_back_transformed(team, bcg):
    rows = latest_run(bcg).results["leave1out"]
    assert rows[0]["natural"]["estimate"] == pytest.approx(math.exp(rows[0]["estimate"]))
    assert rows[0]["pval"] is not None  # a ratio keeps its test against no effect


def test_forest_plot_shows_events_favours_and_says_the_weights_are_within_subgroup(team, bcg, client_for):
    analysis_update(analysis=bcg, actor=team.lead, expected_version=bcg.version,
                    values={"favours_left": "BCG", "favours_right": "Control"})
    bcg.refresh_from_db()
    run = analysis_run(analysis=bcg, actor=team.lead)
    shown = texts(figures.figure(run.results, "forest"))
    # Aronson 1948: 4 cases of 123 vaccinated, 11 of 139 controls (metafor's dat.bcg).
    assert "BCG events/total" in shown and "Control events/total" in shown
    assert "4/123" in shown and "11/139" in shown
    assert "← BCG" in shown and "Control →" in shown
    assert "Weight (in subgroup)" in shown
    html = client_for(team.rev1).get(url("detail", team.review, bcg.pk)).content.decode()
    studies = html.split('class="studies"')[1].split("</table>")[0]
    assert "Weight (in subgroup, as the forest plot)" in studies and "Weight (all studies)" in studies
    within = run.results["subgroups"]["weights"]
    assert f'data-value="{within["Aronson 1948"]!r}"' in studies
    # Each subgroup's weights add up to 100%, as the plot's squares are sized.
    groups = dict(zip(run.results["subgroups"]["studies"], run.results["subgroups"]["labels"], strict=True))
    for group in set(groups.values()):
        assert sum(w for label, w in within.items() if groups[label] == group) == pytest.approx(100)


def test_continuous_forest_shows_mean_sd_n():
    results = {
        "spec": {"measure": "MD", "arm1": "IVIg", "arm2": "Control", "method": "FE", "re_method": "REML",
                 "test": "z", "level": 95, "small_study_tests": []},
        "studies": [
            {"label": "A 2020", "yi": 1.0, "vi": 0.5, "n": 20,
             "inputs": {"m1i": 10.0, "sd1i": 2.0, "n1i": 10, "m2i": 9.0, "sd2i": 2.5, "n2i": 10}},
            {"label": "B 2021", "yi": 2.0, "vi": 0.4, "n": 30,
             "inputs": {"m1i": 12.5, "sd1i": 3.0, "n1i": 15.0, "m2i": 10.5, "sd2i": 2.0, "n2i": 15.0}},
        ],
    }
    shown = texts(figures.figure(results, "forest"))
    assert "IVIg mean (SD) n" in shown and "10.00 (2.00) 10" in shown and "10.50 (2.00) 15" in shown


def test_editor_offers_presentation_and_refuses_a_null_for_a_ratio(team, bcg, client_for):
    client = client_for(team.lead)
    page = client.get(url("edit", team.review, bcg.pk)).content.decode()
    assert 'name="favours_left"' in page and 'name="null_value"' in page and "Presentation" in page
    data = {"name": bcg.name, "outcome": "tb", "arm1": "BCG", "arm2": "Control", "measure": "RR",
            "method": bcg.method, "re_method": "REML", "test": bcg.test, "level": "95", "conversion": "luo-shi",
            "subgroup_field": bcg.subgroup_field, "version": bcg.version, "null_value": "0.3"}
    response = client.post(url("edit", team.review, bcg.pk), data)
    assert response.status_code == 400
    assert NULL_FOR_PROPORTIONS.format(measure="RR") in response.content.decode()
    response = client.post(url("edit", team.review, bcg.pk), data | {"null_value": "", "favours_left": "BCG"})
    assert response.status_code == 302
    bcg.refresh_from_db()
    assert bcg.favours_left == "BCG"
    event = AuditEvent.objects.filter(action="analysis.updated").latest("id")
    assert "favours_left" not in event.old_value and event.new_value["favours_left"] == "BCG"


def test_null_value_must_be_a_proportion(team, bcg):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        analysis_create(review=team.review, actor=team.lead,
                        values={"name": "x", "outcome": "tb", "arm1": "BCG", "measure": "PLO", "null_value": 1.5})
    assert not Analysis.objects.filter(name="x").exists()


def test_pooled_csv_of_a_proportion_has_an_empty_p_value(team, bcg, client_for):
    analysis = _proportion(team)
    body = client_for(team.rev1).get(url("table", team.review, analysis.pk, "csv")).content.decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["pval"] == "" and float(row["estimate_ilogit"]) > 0 and row["null_proportion"] == ""


def _as_stored_before(results: dict) -> dict:
    """Results as a run stored before issue 12 has them: no null, no natural leave-one-out,
    a proportion's p-value against a transformed 0."""
    import copy

    old = copy.deepcopy(results)
    old["pooled"].pop("null")
    old["pooled"]["pval"] = 0.001
    for row in old["leave1out"]:
        row.pop("natural")
        row["pval"] = 0.002
    return old


def test_runs_stored_before_are_shown_with_today_s_meaning(team, bcg, client_for):
    from analysis.models import AnalysisRun
    from analysis.presentation import shown_results
    from analysis.run_integrity import run_integrity

    analysis = _proportion(team)
    run = latest_run(analysis)
    new = run.results
    shown = shown_results(_as_stored_before(new))
    assert shown["pooled"]["pval"] is None and shown["pooled"]["null"] is None
    assert [r["natural"]["estimate"] for r in shown["leave1out"]] == pytest.approx(
        [r["natural"]["estimate"] for r in new["leave1out"]])
    assert all(r["pval"] is None for r in shown["leave1out"])
    assert shown_results(new) is new  # a new run is shown as stored
    # Through the pages: an old-style run stored as analysis_run stores one, with its audit
    # event, so it is a real run of before and not a "tampered" one.
    from review.services.audit import audit_record

    old = AnalysisRun(analysis=analysis, fingerprint=run.fingerprint, engine_version=run.engine_version,
                      results=_as_stored_before(new), created_at=run.created_at, created_by=team.lead)
    old.integrity = run_integrity(old)
    old.save()
    audit_record(action="analysis.run", actor=team.lead, review=team.review, obj=old,
                 new={"analysis": analysis.pk, "fingerprint": old.fingerprint, "k": new["k"]})
    assert latest_run(analysis).pk == old.pk
    client = client_for(team.rev1)
    for page in (url("detail", team.review, analysis.pk), url("report", team.review)):
        html = client.get(page).content.decode()
        assert "Tampered" not in html
        assert "No p-value: a single proportion has no natural null" in html
    # The downloads match the page: no p-value against a transformed 0, natural columns there.
    pooled = next(csv.DictReader(io.StringIO(
        client.get(url("table", team.review, analysis.pk, "csv")).content.decode())))
    assert pooled["pval"] == ""
    review_rows = list(csv.DictReader(io.StringIO(client.get(url("review_table", team.review, "csv")).content.decode())))
    assert next(r for r in review_rows if r["analysis"] == analysis.name)["pval"] == ""
    detail = client.get(url("detail", team.review, analysis.pk)).content.decode()
    table = detail.split('class="leave1out"')[1].split("</table>")[0]
    assert f'data-value="{new["leave1out"][0]["natural"]["estimate"]!r}"' in table
