"""Two reviewers screen a small review in the browser, a conflict appears, the arbiter
settles it, and the PRISMA page shows the right numbers."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import nav_to


@pytest.fixture
def small_review(make_user):
    from review.models import Record, RecordImport
    from review.services.reviews import member_add, review_create
    from review.services.sources import source_create

    lead, rev1, rev2, arbiter = (make_user(n) for n in ("lena_lead", "rui_reviewer", "rosa_reviewer", "ari_arbiter"))
    review = review_create(title="IVIg in myositis", slug="ivig", lead=lead, inclusion_terms="IVIg",
                           exclusion_terms="mice")
    for user, role in ((rev1, "reviewer"), (rev2, "reviewer"), (arbiter, "arbiter")):
        member_add(review=review, user=user, roles=[role], actor=lead)
    source = source_create(review=review, actor=lead, name="PubMed", kind="database")
    record_import = RecordImport.objects.create(review=review, source=source, filename="s.ris", sha256="0" * 64,
                                                status="done")
    titles = ["Alpha: IVIg in dermatomyositis", "Beta: IVIg in mice", "Gamma: IVIg for necrotising myopathy"]
    for i, title in enumerate(titles, start=1):
        Record.objects.create(review=review, record_import=record_import, source=source, position=i, title=title,
                              abstract=f"{title}. Randomised trial.", year=2020)
    return review


def _screen(page, live_server, votes):
    page.goto(f"{live_server.url}/reviews/ivig/screen/title-abstract/?order=title")
    page.get_by_text("Keys:").wait_for()
    for title, key in votes:
        page.locator(".screen-title").filter(has_text=title).wait_for()
        page.keyboard.press(key)
    page.get_by_text("Nothing left to screen").wait_for()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_screen_the_arbiter_settles_and_prisma_counts(session, live_server, small_review):
    context, page = session("rui_reviewer", PASSWORD)
    page.get_by_role("link", name="IVIg in myositis").click()
    nav_to(page, "Screening", "Title/abstract")
    # The terms are highlighted in two colours.
    assert page.locator("mark.inc").first.inner_text() == "IVIg"
    _screen(page, live_server, [("Alpha", "i"), ("Beta", "e"), ("Gamma", "m")])
    context.close()

    context, page = session("rosa_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/screen/title-abstract/?order=title")
    page.locator(".screen-title").filter(has_text="Alpha").wait_for()
    page.get_by_label("Note").fill("adults only: exclude?")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Include (I)").click()
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    # Blind mode: nothing of the colleague's vote on the page.
    assert "rui_reviewer" not in page.content() and "Colleagues" not in page.content()
    page.keyboard.press("e")
    page.locator(".screen-title").filter(has_text="Gamma").wait_for()
    page.get_by_label("Note").fill("necrotising myopathy is out of scope")
    page.get_by_role("button", name="Exclude (E)").click()
    page.get_by_text("Nothing left to screen").wait_for()
    context.close()

    context, page = session("ari_arbiter", PASSWORD)
    page.get_by_role("link", name="IVIg in myositis").click()
    nav_to(page, "Screening", "Conflicts")
    page.get_by_role("link", name="Gamma: IVIg for necrotising myopathy").click()
    votes = page.locator("table.votes").inner_text()
    assert "rui_reviewer" in votes and "Maybe" in votes and "necrotising myopathy is out of scope" in votes
    page.get_by_label("Include (advance to full text)").check()
    page.get_by_label("Note").fill("protocol includes all idiopathic inflammatory myopathies")
    page.get_by_role("button", name="Settle conflict").click()
    page.get_by_text("Conflict settled.").wait_for()
    page.get_by_text("No open conflicts.").wait_for()
    context.close()

    context, page = session("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/")
    nav_to(page, "Synthesis", "PRISMA")
    counts = {key: page.locator(f'[data-count="{key}"]').inner_text() for key in
              ("identified", "duplicates", "screened", "records_excluded", "sought", "assessed",
               "awaiting_assessment", "studies")}
    # Both reports sought are being assessed: their full texts are still to come.
    assert counts == {"identified": "3", "duplicates": "0", "screened": "3", "records_excluded": "1",
                      "sought": "2", "assessed": "2", "awaiting_assessment": "2", "studies": "0"}
    page.wait_for_function("() => { const i = document.querySelector('.prisma-figure img'); "
                           "return i && i.complete && i.naturalWidth > 0; }")
    page.screenshot(path="/tmp/concord-e2e-prisma.png", full_page=True)
    context.close()
