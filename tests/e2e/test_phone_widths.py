"""Every page of both demos, as each role, on a 390x844 phone: none is wider than the screen.

A wide table scrolls in its own box and a plot shrinks; a page that widened the screen would
make a person scroll the whole page sideways to reach its buttons. The same walk as the
accessibility test (tests/e2e/test_accessibility.py), at a phone's size.
"""

import pytest

from tests.e2e.test_accessibility import walk_demos
from tests.e2e.workspace import PHONE, WIDEST


@pytest.mark.django_db(transaction=True)
def test_no_page_of_the_demos_is_wider_than_a_phone(browser, live_server):
    too_wide, checked = [], 0
    for username, _name, url, page in walk_demos(browser, live_server,
                                                 viewport={"width": PHONE[0], "height": PHONE[1]}):
        checked += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE[0]:
            too_wide.append(f"{username} {url} is {width}px wide: {page.evaluate(WIDEST, PHONE[0])}")
    assert checked > 60, checked
    assert too_wide == [], "\n".join(too_wide)
