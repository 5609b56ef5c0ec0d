"""The lead builds an analysis by choosing from what the locked data hold, runs it, and
finds it in the printable report with the R code that reproduces it."""

import pytest

from analysis.models import Analysis
from analysis.selectors import latest_run
from tests.conftest import PASSWORD
from tests.e2e.conftest import nav_to

NAME = "BCG and tuberculosis: risk difference"


@pytest.mark.django_db(transaction=True)
def test_lead_builds_an_analysis_from_the_form_runs_it_and_finds_it_in_the_report(
    page, live_server, login, team
):
    from analysis import demo

    demo.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2])
    login("lena_lead", PASSWORD)
    page.get_by_role("link", name="IVIg in myositis").click()
    nav_to(page, "Synthesis", "Analyses")
    page.get_by_role("link", name="New analysis").click()
    page.get_by_role("heading", name="New analysis").wait_for()

    outcome = page.get_by_label("Outcome:", exact=True)
    # The choices come from the locked data, each with its count of locked studies.
    assert outcome.locator("option").all_inner_texts() == [
        "Choose an outcome",
        "Tuberculosis (tb, binary): 13 locked studies",
    ]
    page.get_by_label("Name").fill(NAME)
    outcome.select_option("tb")
    arm1 = page.get_by_label("Experimental arm (or the single group)")
    # Once the outcome is chosen, the arms count that outcome's locked data.
    assert "BCG: 13 locked studies with tb" in arm1.locator("option").all_inner_texts()
    arm1.select_option("BCG")
    page.get_by_label("Control arm").select_option("Control")
    page.get_by_label("Effect measure").select_option("RD")
    page.get_by_label("Model:", exact=True).select_option("DL")
    page.get_by_label("Subgroup field").select_option(label="Allocation (allocation): 13 locked studies")
    page.screenshot(path="/tmp/concord-e2e-analysis-editor.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"Saved {NAME}. Run it to see the results.").wait_for()

    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(f"Computed {NAME} from the locked data.").wait_for()
    analysis = Analysis.objects.get(name=NAME)
    assert (analysis.outcome, analysis.arm1, analysis.arm2, analysis.subgroup_field) == (
        "tb",
        "BCG",
        "Control",
        "allocation",
    )
    pooled = latest_run(analysis).results["pooled"]
    assert pooled["k"] == 13
    page.get_by_text("R code that reproduces these numbers").click()
    assert 'escalc(measure = "RD"' in page.locator("pre.r-code").inner_text()

    page.get_by_role("link", name="All analyses").click()
    page.get_by_role("link", name="Review report").click()
    section = page.locator("section.analysis-section", has=page.get_by_role("heading", name=NAME))
    section.wait_for()
    effect = section.locator("tr.main-row")
    assert float(effect.get_attribute("data-pooled-estimate")) == pooled["estimate"]
    appendix = page.locator("section.r-appendix")
    assert NAME in appendix.inner_text()
    # The plots finish loading before the server goes away with the test database.
    page.wait_for_load_state("networkidle")
    page.screenshot(path="/tmp/concord-e2e-analysis-editor-report.png", full_page=True)
