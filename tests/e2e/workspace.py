"""Shared by the test_workspace_* browser tests: the two screen sizes the issue names, people
logged in at one of them, and checks of what fits on the screen."""

import pytest

from tests.e2e.conftest import log_in

PHONE, LAPTOP = (390, 844), (1366, 900)


@pytest.fixture(params=[PHONE, LAPTOP], ids=["phone", "laptop"])
def size(request):
    return request.param


@pytest.fixture
def people(browser, live_server, size):
    """people(username) -> a page of that person, logged in, at this test's screen size."""
    contexts = []

    def open_page(username: str, password: str):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        log_in(page, live_server.url, username, password)
        return page

    yield open_page
    for context in contexts:
        context.close()


def is_phone(page) -> bool:
    return page.viewport_size["width"] < 760


WIDEST = """screen => {
  const clipped = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") { return true; }
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right + window.scrollX > screen + 0.5 && !clipped(el) && !out.some(o => o.contains(el))) { out.push(el); }
  }
  if (!out.length) {
    for (const el of document.querySelectorAll("body *")) {
      if (el.getBoundingClientRect().right + window.scrollX > screen + 0.5) { out.push(el); break; }
    }
  }
  return out.map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "") + " ends at "
    + Math.round(el.getBoundingClientRect().right + window.scrollX)).join("; ") || "(no one element)";
}"""


def assert_fits(page) -> None:
    """Nothing of the page sticks out sideways: a person need not scroll the whole page to the right."""
    width = page.evaluate("document.documentElement.scrollWidth")
    screen = page.viewport_size["width"]
    if width > screen:
        # Name the outermost element that sticks out, so that a failure says what to fix.
        culprit = page.evaluate(WIDEST, screen)
        raise AssertionError(f"{page.url} is {width}px wide on a {screen}px screen: {culprit}")


def assert_on_screen(locator) -> None:
    """Visible, and within the screen's width (scrolled into view first, as a person would)."""
    locator.scroll_into_view_if_needed()
    assert locator.is_visible()
    box = locator.bounding_box()
    width = locator.page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (box, width)


def nav(page, group: str, link: str) -> None:
    """Follow a link of the review's navigation, opening the phone's menu first."""
    menu = page.get_by_role("button", name="Menu")
    if is_phone(page):
        menu.click()
    navigation = page.get_by_role("navigation", name="Review")
    navigation.locator("summary", has_text=group).click()
    navigation.get_by_role("link", name=link, exact=True).click()
