"""Browser: an extractor types two outcomes × two arms into the one grid, on a phone and a laptop."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import AXE, RUN_AXE
from tests.extraction.conftest import SCHEMA

GRID_SCHEMA = SCHEMA | {"outcomes": [
    {"key": "cr", "name": "Complete response", "type": "binary", "repeat": "arm_timepoint"},
    {"key": "mmt", "name": "Muscle strength", "type": "time_to_event", "repeat": "arm"},
]}

# label → typed value; each outcome for each arm.
VALUES = {
    "Complete response: Events [IVIg] [6 months]": "12",
    "Complete response: Events [Control] [6 months]": "7",
    "Complete response: Total [IVIg] [6 months]": "20",
    "Complete response: Total [Control] [6 months]": "19",
    "Muscle strength: Mean (months) [IVIg] (months)": "3.5",
    "Muscle strength: Mean (months) [Control] (months)": "5.25",
    "Muscle strength: n [IVIg]": "20",
    "Muscle strength: n [Control]": "19",
}


def _review_with(make_user, schema):
    from extraction.services.assignments import assignment_set
    from extraction.services.forms import form_publish
    from review.models import Study
    from review.services.reviews import member_add, review_create

    lead, rev1, rev2 = make_user("lena_lead"), make_user("rui_reviewer"), make_user("rosa_reviewer")
    review = review_create(title="IVIg in myositis", slug="ivig", lead=lead)
    for user in (rev1, rev2):
        member_add(review=review, user=user, roles=["reviewer"], actor=lead)
    form_publish(review=review, schema=schema, actor=lead)
    study = Study.objects.create(review=review, label="Lim 2020")
    assignment_set(study=study, kind="extraction", users=[rev1, rev2], actor=lead, expected_version=None)
    return study, rev1


def _assert_accessible(page):
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed ({AXE} is absent): run `npm ci`")
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(RUN_AXE) == []


def _open_entry(browser, live_server, width, height):
    # bypass_csp lets axe-core be injected as an inline script, as in test_accessibility.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server.url, "rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/extraction/")
    page.get_by_role("link", name="Extract Lim 2020").click()
    # click() does not wait for the next page, and count() and all_inner_texts() do not wait.
    page.get_by_role("heading", name="Data extraction: Lim 2020").wait_for()
    return context, page


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)], ids=["phone", "laptop"])
@pytest.mark.django_db(transaction=True)
def test_extractor_fills_the_arms_by_outcomes_grid_and_sees_it_saved(browser, live_server, make_user, width, height):
    from extraction.models import Extraction

    study, rev1 = _review_with(make_user, GRID_SCHEMA)
    context, page = _open_entry(browser, live_server, width, height)
    try:
        grid = page.locator("table.outcomes-grid")
        assert page.locator("table.outcomes-grid").count() == 1
        headers = grid.locator("thead th").all_inner_texts()
        assert headers == ["Measure", "IVIg", "Control"]
        assert grid.locator("th[scope=rowgroup]").all_inner_texts() == ["Complete response", "Muscle strength"]

        # Tab moves along the row, from one arm to the next, as in a spreadsheet.
        page.get_by_label("Complete response: Events [IVIg] [6 months]").click()
        page.keyboard.type("12")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.name")
        assert focused == "cell:cr.events@Control@6 months"
        page.keyboard.type("7")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "cell:cr.total@IVIg@6 months"
        for label, value in VALUES.items():
            page.get_by_label(label, exact=True).fill(value)

        if width < 600:
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=f"/tmp/concord-e2e-extraction-grid-{width}.png", full_page=True)

        # A comma for a decimal point: refused, and said beside that cell, naming it.
        mean = page.get_by_label("Muscle strength: Mean (months) [Control] (months)", exact=True)
        mean.fill("5,25")
        page.get_by_role("button", name="Save draft").click()
        message = "Muscle strength: Mean (months) [Control]: enter a number (use a dot for decimals)."
        beside = page.locator("td").filter(has=mean).locator(".cell-error")
        assert beside.inner_text() == message
        assert mean.get_attribute("aria-describedby") == beside.get_attribute("id")
        assert page.get_by_label("Complete response: Events [IVIg] [6 months]", exact=True).input_value() == "12"
        if width < 600:
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _assert_accessible(page)

        mean.fill("5.25")
        page.get_by_role("button", name="Save draft").click()
        page.get_by_text("Saved.", exact=True).wait_for()
        for label, value in VALUES.items():
            assert page.get_by_label(label, exact=True).input_value() == value
        if width < 600:
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()

    data = Extraction.objects.get(study=study, user=rev1).data
    assert data["cr.events@IVIg@6 months"] == 12 and data["cr.events@Control@6 months"] == 7
    assert data["mmt.mean@Control"] == "5.25" and data["mmt.n@IVIg"] == 20


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_a_grid_wider_than_the_screen_scrolls_inside_with_the_measures_held(browser, live_server,
                                                                                        make_user):
    arms = ["IVIg", "IVIg + prednisone", "Prednisone", "Placebo", "Usual care"]
    _review_with(make_user, GRID_SCHEMA | {"arms": arms})
    context, page = _open_entry(browser, live_server, 390, 844)
    try:
        grid = page.locator("table.outcomes-grid")
        scroller = page.locator(".grid-scroll").filter(has=grid)
        assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        measure = grid.locator("th[scope=row]", has_text="Total [6 months]")
        left = measure.bounding_box()["x"]
        scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        assert abs(measure.bounding_box()["x"] - left) < 1
        last = page.get_by_label("Complete response: Total [Usual care] [6 months]", exact=True)
        last.fill("18")
        box, pane = last.bounding_box(), scroller.bounding_box()
        assert box["x"] >= measure.bounding_box()["x"] + measure.bounding_box()["width"] - 1
        assert box["x"] + box["width"] <= pane["x"] + pane["width"] + 1
        page.screenshot(path="/tmp/concord-e2e-extraction-grid-wide-390.png", full_page=True)
        _assert_accessible(page)
    finally:
        context.close()
