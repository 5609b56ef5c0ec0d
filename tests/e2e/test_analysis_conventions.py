"""The lead switches the BCG analysis to Mantel-Haenszel with I² from Q in the editor, runs
it, and the results page names both and shows the engine's numbers."""

import pytest

from analysis.selectors import latest_run
from tests.conftest import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_lead_chooses_mantel_haenszel_and_i2_from_q(page, live_server, login, team):
    from analysis import demo

    demo.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2])
    analysis = team.review.analyses.get(measure="RR")
    login("lena_lead", PASSWORD)

    page.goto(f"{live_server.url}/reviews/{team.review.slug}/analysis/{analysis.pk}/edit/")
    editor = page.get_by_role("group", name="Models and conventions of R's meta")
    editor.get_by_label("Pooling model").select_option("mh")
    editor.get_by_label("I² shown").select_option("Q")
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"Saved {analysis.name}.").wait_for()
    page.get_by_role("button", name="Run again").click()
    page.get_by_text(f"Computed {analysis.name} from the locked data.").wait_for()

    pooled = latest_run(analysis).results["pooled"]
    assert pooled["model"] == "MH"
    page.get_by_text("Model: Mantel–Haenszel.").wait_for()
    assert page.get_by_text("I² from Q (Higgins & Thompson 2002)").first.is_visible()
    cell = page.locator("tr.main-row td.num").nth(2)
    assert cell.inner_text().startswith(f"{pooled['I2_Q']:.1f}% [")
    assert "from Q" in cell.inner_text()
    effect = page.locator("tr.main-row .effect")
    assert float(effect.get_attribute("data-value")) == pooled["natural"]["estimate"]
