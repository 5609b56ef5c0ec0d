"""Every page of both demos, as each role, on a 390x844 phone: none is wider than the screen.

A wide table scrolls in its own box and a plot shrinks; a page that widened the screen would
make a person scroll the whole page sideways to reach its buttons. The same walk as the
accessibility test (tests/e2e/test_accessibility.py), at a phone's size.
"""

import pytest
from django.core.management import call_command

from review.management.commands.load_demo import DEMO_USERS
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import ROLES, _pages
from tests.e2e.workspace import PHONE, WIDEST

PASSWORDS = {name: password for name, password, _ in DEMO_USERS}


@pytest.mark.django_db(transaction=True)
def test_no_page_of_the_demos_is_wider_than_a_phone(browser, live_server):
    from review.models import Review

    call_command("load_demo_analysis", verbosity=0)
    call_command("load_demo", verbosity=0)
    too_wide, checked = [], 0
    for username in ROLES:
        context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]})
        page = context.new_page()
        page.set_default_timeout(20000)
        log_in(page, live_server.url, username, PASSWORDS[username])
        for review in Review.objects.all():
            for _name, url in _pages(review):
                head = context.request.get(live_server.url + url, max_redirects=0)
                if head.status != 200 or "text/html" not in head.headers.get("content-type", ""):
                    continue
                page.goto(live_server.url + url)
                checked += 1
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE[0]:
                    too_wide.append(f"{username} {url} is {width}px wide: {page.evaluate(WIDEST, PHONE[0])}")
        context.close()
    assert checked > 60, checked
    assert too_wide == [], "\n".join(too_wide)
