"""Undo in the browser: vote, take the vote back, see the same record unvoted, vote again."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_screening import small_review  # noqa: F401  (fixture)

SIZES = [(390, 844), (1366, 900)]


def _open(browser, live_server, size, stage="title-abstract", **options):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server.url, "rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/screen/{stage}/?order=title")
    page.locator(".screen-title").filter(has_text="Alpha").wait_for()
    return context, page


def _decisions(review):
    from review.models import ScreeningDecision

    return dict(ScreeningDecision.objects.filter(review=review).values_list("record__title", "vote"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", SIZES, ids=["phone", "laptop"])
def test_a_reviewer_undoes_a_vote_and_votes_differently(browser, live_server, small_review, size):  # noqa: F811
    context, page = _open(browser, live_server, size)
    page.get_by_role("button", name="Include (I)").click()
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    assert page.locator("#remaining").inner_text() == "2"
    undo = page.get_by_role("button", name="Undo (U): take back your vote on “Alpha: IVIg in dermatomyositis”")
    box = undo.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= size[0], box  # no sideways scrolling on a phone
    undo.click()
    page.get_by_role("status").filter(has_text="Your vote (include) is taken back").wait_for()
    assert "Alpha" in page.locator(".screen-title").inner_text()
    assert page.locator(".own-vote").count() == 0 and page.locator("#undo-form").count() == 0
    assert page.locator("#remaining").inner_text() == "3"
    assert _decisions(small_review) == {}
    page.get_by_role("button", name="Exclude (E)").click()
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    assert _decisions(small_review) == {"Alpha: IVIg in dermatomyositis": "exclude"}
    assert page.locator("#remaining").inner_text() == "2"
    # A reload (no-store) asks the server again: Beta is current, the Undo is for the new vote.
    page.reload()
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    page.get_by_role("button", name="Undo (U): take back your vote on “Alpha").wait_for()
    assert "changed elsewhere" not in page.content()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_u_takes_back_the_vote_and_a_refusal_says_why(browser, live_server, small_review):  # noqa: F811
    from review.models import Record
    from review.screening.services import decision_record

    context, page = _open(browser, live_server, SIZES[1])
    page.keyboard.press("e")
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    page.keyboard.press("u")
    page.locator(".screen-title").filter(has_text="Alpha").wait_for()
    assert _decisions(small_review) == {}
    page.keyboard.press("i")
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    # The colleague's vote settles Alpha while this page still offers the Undo.
    alpha = Record.objects.get(review=small_review, title__startswith="Alpha")
    rosa = small_review.memberships.get(user__username="rosa_reviewer").user
    decision_record(review=small_review, record=alpha, stage="title_abstract", reviewer=rosa, vote="include")
    page.keyboard.press("u")
    page.get_by_role("alert").filter(has_text="Both votes are in, so this record has settled").wait_for()
    assert "Beta" in page.locator(".screen-title").inner_text()
    assert _decisions(small_review)["Alpha: IVIg in dermatomyositis"] == "include"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_undo_and_its_outcome_pass_axe(browser, live_server, small_review):  # noqa: F811
    import os

    from tests.e2e.test_accessibility import AXE, RUN_AXE

    if not AXE.exists():
        message = f"axe-core is not installed ({AXE} is absent): run `npm ci`"
        if os.environ.get("CONCORD_REQUIRE_E2E"):
            pytest.fail(message)
        pytest.skip(message)
    # axe is injected as an inline script, which the site's CSP refuses (as it should).
    context, page = _open(browser, live_server, SIZES[0], bypass_csp=True)
    page.keyboard.press("i")
    page.locator("#undo-form").wait_for()
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(RUN_AXE) == []
    page.locator("#undo-form button").click()
    page.locator(".withdrawn").wait_for()
    assert page.evaluate(RUN_AXE) == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_full_text_vote_is_undone_beside_its_pdf(browser, live_server, small_review, settings, tmp_path):  # noqa: F811
    from tests.review.screening.conftest import small_review_at_full_text

    record = small_review_at_full_text(small_review, settings, tmp_path)
    context, page = _open(browser, live_server, SIZES[1], stage="full-text")
    page.locator("iframe.pdf-frame").wait_for()
    page.get_by_role("button", name="Include (I)").click()
    page.get_by_text("Nothing left to screen").wait_for()
    page.get_by_role("button", name="Undo (U): take back your vote on “Alpha").click()
    page.locator(".screen-title").filter(has_text="Alpha").wait_for()
    page.locator("iframe.pdf-frame").wait_for()
    assert page.locator(".own-vote").count() == 0
    reason = page.get_by_label("Exclusion reason (required to exclude)")
    reason.select_option(index=1)
    page.get_by_role("button", name="Exclude (E)").click()
    page.get_by_text("Nothing left to screen").wait_for()
    from review.models import ScreeningDecision

    decision = ScreeningDecision.objects.get(record=record, stage="full_text", reviewer__username="rui_reviewer")
    assert decision.vote == "exclude" and decision.exclusion_reason is not None
    context.close()
