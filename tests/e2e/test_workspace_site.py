"""Small things a person notices, on a phone and a laptop: checkboxes beside their labels, the
log-in error said once, a favicon, and a review archived with a reason and brought back."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.workspace import assert_fits, assert_on_screen, nav, people, size  # noqa: F401  (fixtures)


def _beside(box, label) -> bool:
    """The checkbox sits just left of its label, on the label's line."""
    gap = label["x"] - (box["x"] + box["width"])
    middle = box["y"] + box["height"] / 2
    return 0 <= gap <= 16 and label["y"] <= middle <= label["y"] + label["height"]


@pytest.mark.django_db(transaction=True)
def test_checkboxes_sit_beside_their_labels(people, live_server, team):  # noqa: F811
    page = people("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/settings/")
    boxes = page.locator("form.narrow input[type=checkbox]")
    assert boxes.count() >= 2  # blind mode, maybe
    for i in range(boxes.count()):
        box = boxes.nth(i)
        label = page.locator(f"label[for='{box.get_attribute('id')}']")
        box.scroll_into_view_if_needed()
        assert _beside(box.bounding_box(), label.bounding_box()), (label.inner_text(), box.bounding_box(),
                                                                  label.bounding_box())
    page.get_by_label("Reviewers may vote maybe").evaluate("b => b.labels[0].click()")
    assert not page.get_by_label("Reviewers may vote maybe").is_checked()  # the label ticks its own box
    assert_fits(page)


@pytest.mark.django_db(transaction=True)
def test_the_login_error_is_said_once_and_the_favicon_is_served(browser, live_server, team, size):  # noqa: F811
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    answer = context.request.get(live_server.url + icon)
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.body().startswith(b"<svg") or b"<svg" in answer.body()[:200]
    page.get_by_label("Username").fill("lena_lead")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    error = page.get_by_text("Please enter a correct username and password")
    error.first.wait_for()
    assert error.count() == 1
    assert_on_screen(error)
    assert_fits(page)
    log_in(page, live_server.url, "lena_lead", PASSWORD)  # the form still works after an error
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_lead_archives_a_review_with_a_reason_and_brings_it_back(people, live_server, team):  # noqa: F811
    from review.models import AuditEvent

    page = people("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/")
    nav(page, "Team", "Settings")
    archive = page.get_by_role("button", name="Archive the review")
    assert_on_screen(archive)
    archive.click()
    assert page.url.endswith("/settings/")  # the reason is required: nothing happens without one
    page.get_by_label("Reason").fill("Published in 2026; kept for the update.")
    archive.click()
    page.get_by_text("“IVIg in myositis” is archived: it is listed under Archived reviews, with all its data.").wait_for()
    assert page.get_by_role("heading", name="Archived reviews").is_visible()
    assert page.get_by_text("No current reviews.").is_visible()
    page.get_by_role("link", name="IVIg in myositis").click()
    banner = page.get_by_role("note")
    assert_on_screen(banner)
    assert banner.inner_text().startswith("This review is archived since ")
    assert_fits(page)
    banner.get_by_role("link", name="bring it back in Settings").click()
    page.get_by_label("Reason").fill("The update starts.")
    page.get_by_role("button", name="Bring the review back").click()
    page.get_by_text("“IVIg in myositis” is back among your current reviews.").wait_for()
    assert page.get_by_role("note").count() == 0
    events = AuditEvent.objects.filter(action__in=["review.archived", "review.unarchived"]).order_by("pk")
    assert [(e.action, e.reason) for e in events] == [
        ("review.archived", "Published in 2026; kept for the update."), ("review.unarchived", "The update starts.")]
