"""The lead opens the BCG analysis, runs it again and sees the engine's pooled value and plots."""

import pytest

from analysis.selectors import latest_run
from tests.conftest import PASSWORD
from tests.e2e.conftest import nav_to


@pytest.mark.django_db(transaction=True)
def test_lead_sees_the_pooled_value_and_the_forest_plot(page, live_server, login, team):
    from analysis import demo

    demo.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2])
    analysis = team.review.analyses.get(measure="RR")
    login("lena_lead", PASSWORD)

    page.get_by_role("link", name="IVIg in myositis").click()
    nav_to(page, "Synthesis", "Analyses")
    page.get_by_role("link", name=analysis.name).click()
    page.get_by_role("button", name="Run again").click()
    page.get_by_text(f"Computed {analysis.name} from the locked data.").wait_for()

    natural = latest_run(analysis).results["pooled"]["natural"]
    effect = page.locator("tr.main-row .effect")
    assert effect.inner_text() == f"{natural['estimate']:.2f}"
    assert float(effect.get_attribute("data-value")) == natural["estimate"]

    forest = page.get_by_role("img", name=f"Forest plot of {analysis.name}")
    forest.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=forest.element_handle(), timeout=30000
    )
    assert forest.evaluate("img => img.naturalHeight") > 200
    page.screenshot(path="/tmp/concord-e2e-analysis.png", full_page=True)

    page.goto(f"{live_server.url}/reviews/{team.review.slug}/analysis/report/")
    page.get_by_role("heading", name="Characteristics of included studies").wait_for()
    assert page.locator("table.characteristics tbody tr").count() == 13
    # Printed (to PDF), the report drops the navigation and keeps the tables and plots.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert page.get_by_role("img", name=f"Forest plot of {analysis.name}").is_visible()
    page.pdf(path="/tmp/concord-e2e-report.pdf", format="A4")
    page.screenshot(path="/tmp/concord-e2e-report-print.png", full_page=True)
