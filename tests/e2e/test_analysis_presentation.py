"""The lead labels the sides of a forest plot in the editor, runs the analysis and reads
the labels, the events/total columns and the within-subgroup weights in the drawn plot."""

import pytest

from analysis.selectors import latest_run
from tests.conftest import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_lead_sets_favours_labels_and_sees_them_in_the_forest_plot(page, live_server, login, team):
    from analysis import demo

    demo.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2])
    analysis = team.review.analyses.get(measure="RR")
    login("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/{team.review.slug}/analysis/{analysis.pk}/")
    page.get_by_role("link", name="Edit").click()
    editor = page.get_by_role("group", name="Presentation")
    editor.get_by_label("Favours (left of the null line)").fill("Favours BCG")
    editor.get_by_label("Favours (right of the null line)").fill("Favours control")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Run again").click()
    page.get_by_text(f"Computed {analysis.name} from the locked data.").wait_for()

    forest = page.get_by_role("img", name=f"Forest plot of {analysis.name}")
    forest.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=forest.element_handle(),
                           timeout=30000)
    svg = page.request.get(live_server.url + forest.get_attribute("src")).text()
    for text in ("← Favours BCG", "Favours control →", "BCG events/total", "4/123", "Weight (in subgroup)"):
        assert text in svg, text
    studies = page.locator("table.studies")
    assert studies.get_by_role("columnheader", name="Weight (in subgroup, as the forest plot)").count() == 1
    within = latest_run(analysis).results["subgroups"]["weights"]["Aronson 1948"]
    row = studies.get_by_role("row").filter(has_text="Aronson 1948")
    assert f"{within:.1f}%" in row.inner_text()
    page.screenshot(path="/tmp/concord-e2e-analysis-presentation.png", full_page=True)
