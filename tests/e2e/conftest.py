"""Browser tests: Playwright driving Debian's Chromium against a live Concord server."""

import os
import re
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# still synchronous, so Django's async-safety guard would refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CONCORD_REQUIRE_E2E"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


def new_page(browser, timeout: int = 15000):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(timeout)
    return context, page


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/reviews/")


@pytest.fixture
def page(browser):
    context, page = new_page(browser)
    yield page
    context.close()


@pytest.fixture
def login(page, live_server):
    def log_in_here(username: str, password: str):
        log_in(page, live_server.url, username, password)

    return log_in_here


@pytest.fixture
def session(browser, live_server):
    """A logged-in browser of its own per user, for tests where several people take turns:
    returns (context, page); the test closes each context when that person is done."""

    def open_session(username: str, password: str, timeout: int = 15000):
        context, page = new_page(browser, timeout)
        log_in(page, live_server.url, username, password)
        return context, page

    return open_session


def settle_with_a_and_lock(page, study: str, reason: str, reason_label=re.compile("^Reason for")) -> None:
    """From the extraction page: settle the study's one discrepancy for value A, then lock."""
    page.get_by_role("link", name=f"Reconcile {study}").click()
    page.get_by_text("0 of 1 discrepancy settled").wait_for()
    form = page.locator("form.resolve")
    form.get_by_label("A", exact=True).check()
    form.get_by_label(reason_label).fill(reason)
    form.get_by_role("button", name="Settle").click()
    page.get_by_text("Discrepancy settled.", exact=True).wait_for()
    page.get_by_text("1 of 1 discrepancy settled").wait_for()
    page.get_by_role("button", name="Lock consensus").click()
    page.get_by_text("Consensus locked.", exact=True).wait_for()


def nav_to(page, group: str, link: str) -> None:
    """Follow a link of the review's navigation: open its group, then click the link."""
    nav = page.get_by_role("navigation", name="Review")
    nav.locator("summary", has_text=group).click()
    nav.get_by_role("link", name=link, exact=True).click()
