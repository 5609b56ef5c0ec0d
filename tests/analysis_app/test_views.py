"""Pages and downloads: members read, the lead edits and runs, outsiders see nothing."""

import io

import openpyxl
import pandas as pd
import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from analysis.models import Analysis, AnalysisRun
from analysis.selectors import latest_run
from analysis.services import STALE_EDIT

pytestmark = pytest.mark.django_db


def url(name, review, *args):
    return reverse(f"analysis:{name}", args=[review.slug, *args])


def test_results_page_shows_the_runs_numbers(team, bcg, client_for):
    run = latest_run(bcg)
    p = run.results["pooled"]
    response = client_for(team.rev1).get(url("detail", team.review, bcg.pk))
    assert response.status_code == 200
    html = response.content.decode()
    n = p["natural"]
    assert f'data-pooled-estimate="{p["estimate"]!r}"' in html
    assert f"{n['estimate']:.2f}</span> [{n['ci_lb']:.2f}, {n['ci_ub']:.2f}]" in html
    assert f"{p['I2']:.1f}%" in html
    assert reverse("analysis:plot", args=[team.review.slug, bcg.pk, "forest", "svg"]) in html
    assert "Test for subgroup differences" in html and "Aronson 1948" in html


def test_list_shows_every_analysis_with_its_state(team, bcg, client_for):
    response = client_for(team.arbiter).get(url("list", team.review))
    assert response.status_code == 200
    assert response.content.decode().count('class="status status-done">current<') == 2


def test_lead_runs_again_and_reviewer_may_not(
    team, bcg, client_for, django_capture_on_commit_callbacks
):
    before = AnalysisRun.objects.count()
    assert client_for(team.rev1).post(url("run", team.review, bcg.pk)).status_code == 403
    assert client_for(team.lead).get(url("run", team.review, bcg.pk)).status_code == 405
    response = client_for(team.lead).post(url("run", team.review, bcg.pk))
    assert response.status_code == 302 and AnalysisRun.objects.count() == before + 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(team.lead).post(url("run_all", team.review))
    assert response.status_code == 302
    assert AnalysisRun.objects.count() == before + 3  # the queued task ran both analyses
    assert client_for(team.rev1).post(url("run_all", team.review)).status_code == 403


def test_editor_is_the_leads(team, bcg, client_for):
    assert client_for(team.rev2).get(url("edit", team.review, bcg.pk)).status_code == 403
    assert client_for(team.rev2).get(url("new", team.review)).status_code == 403
    response = client_for(team.lead).get(url("edit", team.review, bcg.pk))
    assert response.status_code == 200 and 'value="allocation"' in response.content.decode()


def _post_new(client, review, **over):
    data = {
        "name": "Risk difference",
        "outcome": "tb",
        "arm1": "BCG",
        "arm2": "Control",
        "measure": "RD",
        "method": "DL",
        "re_method": "REML",
        "test": "z",
        "level": "95",
        "conversion": "luo-shi",
        "drop_outliers": "on",
        "sensitivity": "Only random allocation: allocation != random",
        "small_study_tests": ["egger"],
    } | over
    return client.post(url("new", review), data)


def test_lead_defines_an_analysis(team, bcg, client_for):
    response = _post_new(client_for(team.lead), team.review)
    assert response.status_code == 302
    created = Analysis.objects.get(name="Risk difference")
    assert created.sensitivity == [
        {"label": "Drop influential outliers", "kind": "outliers"},
        {
            "label": "Only random allocation",
            "kind": "exclude",
            "conditions": [{"field": "allocation", "op": "!=", "value": "random"}],
        },
    ]
    assert response["Location"] == url("detail", team.review, created.pk)


def test_editor_refuses_bad_input_with_its_message(team, bcg, client_for):
    response = _post_new(client_for(team.lead), team.review, arm2="", sensitivity="no colon here")
    assert response.status_code == 400
    assert "write a variant as" in response.content.decode()
    response = _post_new(client_for(team.lead), team.review, arm2="")
    assert response.status_code == 400
    assert "choose the control arm" in response.content.decode()


def test_edit_on_a_stale_page_is_refused(team, bcg, client_for):
    client = client_for(team.lead)
    data = {
        "name": bcg.name,
        "outcome": "tb",
        "arm1": "BCG",
        "arm2": "Control",
        "measure": "RR",
        "method": "PM",
        "re_method": "REML",
        "test": "z",
        "level": "95",
        "conversion": "luo-shi",
        "subgroup_field": "allocation",
        "version": str(bcg.version),
    }
    assert client.post(url("edit", team.review, bcg.pk), data).status_code == 302
    response = client.post(url("edit", team.review, bcg.pk), data | {"method": "DL"})
    assert response.status_code == 400 and STALE_EDIT in response.content.decode()
    assert Analysis.objects.get(pk=bcg.pk).method == "PM"


def test_lead_deletes_and_get_is_not_allowed(team, bcg, client_for):
    assert client_for(team.lead).get(url("delete", team.review, bcg.pk)).status_code == 405
    assert client_for(team.rev1).post(url("delete", team.review, bcg.pk)).status_code == 403
    assert client_for(team.lead).post(url("delete", team.review, bcg.pk)).status_code == 302
    assert not Analysis.objects.filter(pk=bcg.pk).exists()


def test_outsider_gets_404_everywhere(team, bcg, client_for):
    client = client_for(team.outsider)
    for name, args in [
        ("list", ()),
        ("detail", (bcg.pk,)),
        ("plot", (bcg.pk, "forest", "svg")),
        ("dataset", (bcg.pk,)),
        ("report", ()),
        ("table", (bcg.pk, "csv")),
    ]:
        assert client.get(url(name, team.review, *args)).status_code == 404, name
    assert client.post(url("run", team.review, bcg.pk)).status_code == 404


def test_analysis_of_another_review_is_404(team, bcg, client_for, make_user):
    from review.services.reviews import review_create

    other = review_create(title="Other", slug="other", lead=team.lead)
    assert (
        client_for(team.lead).get(reverse("analysis:detail", args=[other.slug, bcg.pk])).status_code
        == 404
    )


def test_plots_download_as_svg_png_pdf_and_the_svg_is_cached(team, bcg, client_for):
    client = client_for(team.rev1)
    assert latest_run(bcg).forest_svg == ""
    svg = client.get(url("plot", team.review, bcg.pk, "forest", "svg"))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content and latest_run(bcg).forest_svg == svg.content.decode()
    png = client.get(url("plot", team.review, bcg.pk, "funnel", "png"))
    assert png.content.startswith(b"\x89PNG") and "attachment" in png["Content-Disposition"]
    pdf = client.get(url("plot", team.review, bcg.pk, "forest", "pdf"))
    assert pdf.content.startswith(b"%PDF")
    assert client.get(url("plot", team.review, bcg.pk, "forest", "gif")).status_code == 404
    assert client.get(url("plot", team.review, bcg.pk, "violin", "svg")).status_code == 404


def test_pooled_tables_equal_the_run(team, bcg, client_for):
    client = client_for(team.rev1)
    p = latest_run(bcg).results["pooled"]
    frame = pd.read_csv(io.BytesIO(client.get(url("table", team.review, bcg.pk, "csv")).content))
    main = frame[frame["section"] == "main"].iloc[0]
    assert main["estimate"] == p["estimate"] and main["tau2"] == p["tau2"]
    assert main["estimate_exp"] == p["natural"]["estimate"]
    assert set(frame["section"]) == {"main", "subgroup", "subgroup test", "sensitivity"}
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(url("table", team.review, bcg.pk, "xlsx")).content)
    )
    assert book.sheetnames == ["pooled", "studies", "leave-one-out", "influence", "excluded"]
    whole = pd.read_csv(io.BytesIO(client.get(url("review_table", team.review, "csv")).content))
    assert list(whole["analysis"]) == [a.name for a in team.review.analyses.all()]
    assert whole.iloc[0]["estimate"] == p["estimate"]
    assert client.get(url("review_table", team.review, "xlsx")).status_code == 200
    assert client.get(url("table", team.review, bcg.pk, "ods")).status_code == 404


def test_dataset_csv_is_ready_for_metafor(team, bcg, client_for):
    studies = latest_run(bcg).results["studies"]
    frame = pd.read_csv(
        io.BytesIO(client_for(team.rev1).get(url("dataset", team.review, bcg.pk)).content)
    )
    assert list(frame.columns[:7]) == ["study", "yi", "vi", "ai", "n1i", "ci", "n2i"]
    assert list(frame["yi"]) == [s["yi"] for s in studies]
    assert list(frame["vi"]) == [s["vi"] for s in studies]
    assert "allocation" in frame.columns


def test_report_has_prisma_characteristics_and_every_analysis(team, bcg, client_for):
    response = client_for(team.rev2).get(url("report", team.review))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("review:prisma_download", args=[team.review.slug, "svg"]) in html
    assert "Absolute latitude of the study site" in html and "Aronson 1948" in html
    assert html.count('class="report-section analysis-section"') == 2
    # The print rules live in a static stylesheet: the Content-Security-Policy refuses <style>.
    assert '<link rel="stylesheet" href="/static/concord/report.css">' in html
    with open(finders.find("concord/report.css"), encoding="utf-8") as css:
        assert "@media print" in css.read()


def test_an_analysis_not_yet_run_has_no_downloads(team, client_for):
    analysis = Analysis.objects.create(
        review=team.review, name="x", outcome="o", measure="PR", arm1="a"
    )
    client = client_for(team.lead)
    assert client.get(url("detail", team.review, analysis.pk)).status_code == 200
    assert client.get(url("dataset", team.review, analysis.pk)).status_code == 404
    assert client.get(url("plot", team.review, analysis.pk, "forest", "svg")).status_code == 404


def test_list_page_queries_do_not_grow_with_analyses(
    team, bcg, client_for, django_assert_num_queries
):
    client = client_for(team.rev1)
    # session, user, membership with its review, analyses with their latest run's id, those
    # runs, their audit events (the run ledger), consensus, the lock ledger, included
    # studies. A run whose staleness changed would add an UPDATE; none does here.
    with django_assert_num_queries(9):
        assert client.get(url("list", team.review)).status_code == 200
    for i in range(3):
        Analysis.objects.create(
            review=team.review,
            name=f"extra {i}",
            outcome="tb",
            arm1="BCG",
            arm2="Control",
            measure="OR",
        )
    with django_assert_num_queries(9):
        assert client.get(url("list", team.review)).status_code == 200


def test_results_page_explains_a_run_without_studies(team, bcg, client_for):
    from analysis.services import analysis_run

    analysis = Analysis.objects.create(
        review=team.review, name="Empty", outcome="tb", arm1="BCG", measure="PLO", timepoint="1 year"
    )
    analysis_run(analysis=analysis)
    html = client_for(team.rev1).get(url("detail", team.review, analysis.pk)).content.decode()
    # The time point is what is missing; the thirteen trials are locked.
    assert "No locked study has time point &#x27;1 year&#x27; for outcome &#x27;tb&#x27;" in html
    assert "Studies left out" in html and "missing data: tb.events@BCG@1 year" in html


def test_contour_enhanced_funnel_only_when_asked(team, bcg, client_for):
    from analysis.services import analysis_run

    client = client_for(team.rev1)

    def funnel_with(tests):
        bcg.small_study_tests = tests
        bcg.save(update_fields=["small_study_tests"])
        analysis_run(analysis=bcg, actor=team.lead)
        return client.get(url("plot", team.review, bcg.pk, "funnel", "svg")).content.decode()

    assert "p &lt; 0.01" not in funnel_with(["egger"])
    shaded = funnel_with(["egger", "contours"])
    assert "p &lt; 0.01" in shaded and "0.05 &gt; p &gt; 0.01" in shaded
