"""A reviewer screens in the "most likely relevant first" order, and the lead reads the
stopping rule's statistic on the dashboard and stops screening."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

RELEVANT = "Zebrafish larvae {i}: immunoglobulin infusion and zebrafish muscle regeneration"
IRRELEVANT = "Survey {i} of hospital parking fees and staff commuting habits"


@pytest.fixture
def ranked_review(make_user):
    from review.models import Record, RecordImport
    from review.screening.services import decision_record
    from review.services.reviews import member_add, review_create
    from review.services.sources import source_create

    lead, rev1 = make_user("lena_lead"), make_user("rui_reviewer")
    review = review_create(title="Zebrafish immunoglobulin", slug="zebra", lead=lead, ta_reviewers_per_record=1)
    member_add(review=review, user=rev1, roles=["reviewer"], actor=lead)
    source = source_create(review=review, actor=lead, name="PubMed", kind="database")
    record_import = RecordImport.objects.create(review=review, source=source, filename="z.ris", sha256="1" * 64,
                                                status="done")
    # Six relevant records among thirty, the relevant ones spread through the file.
    titles = [(RELEVANT if i % 5 == 0 else IRRELEVANT).format(i=i) for i in range(30)]
    records = [
        Record.objects.create(review=review, record_import=record_import, source=source, position=i + 1,
                              title=title, abstract=f"{title}.", year=2020)
        for i, title in enumerate(titles)
    ]
    # One include and one exclude settled: the ranking is trained as the second one commits.
    decision_record(review=review, record=records[0], stage="title_abstract", reviewer=rev1, vote="include")
    decision_record(review=review, record=records[1], stage="title_abstract", reviewer=rev1, vote="exclude")
    return review


def _title(page) -> str:
    return page.locator(".screen-title").inner_text()


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_screens_in_ranked_order_and_the_lead_stops(session, live_server, ranked_review):
    context, page = session("rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/zebra/screen/title-abstract/")
    page.get_by_text("Keys:").wait_for()
    # Both outcomes are settled, so the ranked order is the default.
    expect(page.get_by_label("Order")).to_have_value("relevant")
    assert page.get_by_label("Order").locator("option:checked").inner_text() == "Most likely relevant first"
    served = []
    for _ in range(15):
        title = _title(page)
        served.append(title)
        page.keyboard.press("i" if title.startswith("Zebrafish") else "e")
        expect(page.locator(".screen-title")).not_to_have_text(title)
    # The five relevant records left come first.
    assert all(t.startswith("Zebrafish") for t in served[:5]), served
    assert not any(t.startswith("Zebrafish") for t in served[5:]), served
    context.close()

    context, page = session("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/zebra/screening/")
    panel = page.locator("section.prioritised")
    expect(panel.locator('[data-stat="screened"]')).to_have_text("17 of 30")
    expect(panel.locator('[data-stat="since"]')).to_have_text("15")
    expect(panel.locator('[data-stat="includes"]')).to_have_text("6")
    expect(panel.locator('[data-stat="run"]')).to_have_text("10")
    recall = float(panel.locator('[data-stat="recall"]').inner_text())
    p_value = float(panel.locator('[data-stat="p"]').inner_text())
    assert 0 < recall <= 1 and 0 <= p_value <= 1
    assert "Estimated recall" in panel.inner_text() and "p-value for recall below 95%" in panel.inner_text()
    panel.get_by_label("I stop title/abstract screening").check()
    panel.get_by_role("button", name="Stop screening").click()
    page.get_by_text("Screening stopped:").wait_for()
    expect(page.locator("section.prioritised")).to_contain_text("13 records marked ineligible by automation tools")
    context.close()

    context, page = session("rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/zebra/screen/title-abstract/")
    page.get_by_text("Nothing left to screen").wait_for()
    context.close()
