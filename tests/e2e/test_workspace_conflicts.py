"""The arbiter's conflicts in the browser, on a phone and a laptop: settling one opens the next,
the keys I, E and S decide, the review's terms are highlighted, and a settled conflict says
what was decided, by whom and why."""

import re

import pytest

from tests.conftest import PASSWORD
from tests.e2e.workspace import assert_fits, assert_on_screen, people, size  # noqa: F401  (fixtures)


@pytest.fixture
def two_conflicts(team, source):
    from review.models import Conflict, Record, RecordImport
    from review.screening.services import decision_record

    team.review.inclusion_terms, team.review.exclusion_terms = "IVIg", "mice"
    team.review.save(update_fields=["inclusion_terms", "exclusion_terms"])
    imported = RecordImport.objects.create(review=team.review, source=source, filename="s.ris", sha256="6" * 64,
                                           status="done")
    for i, title in enumerate(["Alpha: IVIg in dermatomyositis", "Beta: IVIg in mice"], start=1):
        record = Record.objects.create(review=team.review, record_import=imported, source=source, position=i,
                                       title=title, abstract="A randomised trial.", year=2020)
        for user, vote in ((team.rev1, "include"), (team.rev2, "exclude")):
            decision_record(review=team.review, record=record, stage="title_abstract", reviewer=user, vote=vote)
    return list(Conflict.objects.filter(record__review=team.review).order_by("created_at", "pk"))


@pytest.mark.django_db(transaction=True)
def test_the_arbiter_settles_by_keys_goes_on_to_the_next_and_the_settled_one_says_why(people, live_server, team,  # noqa: F811
                                                                                     two_conflicts):
    page = people("ari_arbiter", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/conflicts/")
    page.get_by_role("link", name="Alpha: IVIg in dermatomyositis").click()
    page.get_by_role("heading", name="Conflict: title and abstract").wait_for()
    term = page.locator("h2 mark.inc")
    assert term.inner_text() == "IVIg" and term.is_visible()
    assert page.locator("table.votes tbody tr").count() == 2
    assert_fits(page)

    include, exclude = page.get_by_role("radio", name=re.compile(r"Include")), page.get_by_role("radio", name="Exclude (E)")
    page.keyboard.press("i")
    assert include.is_checked()
    page.keyboard.press("e")
    assert exclude.is_checked() and not include.is_checked()
    page.get_by_label("Note").fill("Outside the review question.")
    page.keyboard.press("s")  # typing in the note: a letter, not a shortcut
    assert page.get_by_label("Note").input_value() == "Outside the review question.s"
    page.get_by_label("Note").fill("Outside the review question.")
    page.locator("h1").click()  # out of the note, as a person would
    page.keyboard.press("s")

    page.get_by_text("Conflict settled. Next conflict (1 left).").wait_for()
    assert page.url.endswith(f"/conflicts/{two_conflicts[1].pk}/")
    assert page.locator("h2 mark.exc").inner_text() == "mice"
    settle = page.get_by_role("button", name="Settle conflict (S)")
    assert_on_screen(settle)
    page.get_by_role("radio", name=re.compile(r"Include")).check()
    settle.click()
    page.get_by_text("Conflict settled. No conflicts are left.").wait_for()
    assert page.get_by_role("cell", name="No open conflicts.").is_visible()

    page.goto(f"{live_server.url}/reviews/ivig/conflicts/{two_conflicts[0].pk}/")
    settled = page.get_by_role("status").filter(has_text="Settled")
    assert_on_screen(settled)
    assert re.fullmatch(r"Settled: exclude by ari_arbiter on \d{4}-\d\d-\d\d \d\d:\d\d UTC, because: "
                        r"“Outside the review question\.”\.", settled.inner_text()), settled.inner_text()
    assert page.get_by_role("button", name="Settle conflict (S)").count() == 0
    assert_fits(page)
