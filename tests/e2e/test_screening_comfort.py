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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(390, 844), (1366, 900)], ids=["phone", "laptop"])
def test_the_decision_bar_stays_in_view_under_a_long_abstract(browser, live_server, small_review, size):  # noqa: F811
    from review.models import Record

    Record.objects.filter(review=small_review).update(abstract="A long abstract sentence about IVIg. " * 400)
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(15000)
    from tests.e2e.conftest import log_in

    log_in(page, live_server.url, "rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/screen/title-abstract/?order=title")
    page.locator(".screen-title").filter(has_text="Alpha").wait_for()
    include = page.get_by_role("button", name="Include (I)")
    box = include.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= size[1], box
    assert page.evaluate("document.documentElement.scrollHeight") > 3 * size[1]  # the abstract is long
    include.click()
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    page.get_by_role("button", name="Note (N)").click()
    assert page.evaluate("document.activeElement.id") == "id_note"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_full_text_opens_beside_the_decision(session, live_server, small_review, settings, tmp_path):  # noqa: F811
    from tests.review.screening.conftest import small_review_at_full_text

    record = small_review_at_full_text(small_review, settings, tmp_path)
    context, page = session("rui_reviewer", PASSWORD)
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    from django.urls import reverse

    pdf_url = live_server.url + reverse("review:fulltext_pdf", args=[small_review.slug, record.pk])
    with page.expect_response(pdf_url) as pdf:
        page.goto(f"{live_server.url}/reviews/ivig/screen/full-text/")
    assert pdf.value.status == 200
    frame = page.locator("iframe.pdf-frame")
    frame.wait_for()
    include = page.get_by_role("button", name="Include (I)").bounding_box()
    pane = frame.bounding_box()
    assert pane["x"] > include["x"] + include["width"] / 2  # beside the decision, not under it
    assert refused == []
    context.close()
