"""After a vote, Back then Forward shows the queue as it is now, not the page as it was."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.test_screening import small_review  # noqa: F401  (fixture)


@pytest.mark.django_db(transaction=True)
def test_back_and_forward_after_a_vote_show_the_current_next_record(session, live_server, small_review):  # noqa: F811
    context, page = session("rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/")
    page.goto(f"{live_server.url}/reviews/ivig/screen/title-abstract/?order=title")
    page.locator(".screen-title").filter(has_text="Alpha").wait_for()
    page.keyboard.press("i")
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    page.go_back()
    page.wait_for_url(f"{live_server.url}/reviews/ivig/")
    page.go_forward()
    # The page is asked for again (no-store), so the record just voted on is not offered as unvoted.
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    assert "Alpha" not in page.locator(".screen-title").inner_text()
    page.keyboard.press("e")
    page.locator(".screen-title").filter(has_text="Gamma").wait_for()
    assert "changed elsewhere" not in page.content()
    context.close()
