"""Screening extras in the browser, on a phone and a laptop: the review's criteria beside (or
under) the record, labels offered from the review's list, "maybe" only where the lead allows
it, and a progress bar that moves with each vote."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.workspace import assert_fits, assert_on_screen, is_phone, nav, people, size  # noqa: F401  (fixtures)


@pytest.fixture
def to_screen(team, source):
    from review.models import Record, RecordImport

    review = team.review
    review.population, review.intervention = "Adults with dermatomyositis", "Intravenous immunoglobulin"
    review.screening_labels = "paediatric\nadults\ncase series"
    review.save(update_fields=["population", "intervention", "screening_labels"])
    imported = RecordImport.objects.create(review=review, source=source, filename="s.ris", sha256="7" * 64,
                                           status="done")
    return [Record.objects.create(review=review, record_import=imported, source=source, position=i, title=title,
                                  abstract="Patients received IVIg. " * 30, year=2020)
            for i, title in enumerate(["Alpha trial", "Beta trial", "Gamma trial"], start=1)]


def _progress(page) -> tuple[int, int]:
    return tuple(page.locator("#screen-progress").evaluate("p => [p.value, p.max]"))


@pytest.mark.django_db(transaction=True)
def test_criteria_labels_and_progress_beside_the_record(people, live_server, team, to_screen):  # noqa: F811
    from review.models import ScreeningDecision

    page = people("rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/")
    nav(page, "Screening", "Title/abstract")
    page.locator(".screen-title").wait_for()
    panel = page.get_by_role("complementary", name="Eligibility criteria")
    record = page.locator("article.screen-record").bounding_box()
    if is_phone(page):
        assert panel.bounding_box()["y"] >= record["y"] + record["height"]  # under the record, reached by scrolling
    else:
        box = panel.bounding_box()
        assert box["x"] >= record["x"] + record["width"] and box["y"] < record["y"] + record["height"]  # beside it
        assert panel.is_visible() and box["y"] + 40 < page.viewport_size["height"]  # in view without scrolling
    population = panel.get_by_text("Adults with dermatomyositis")
    assert_on_screen(population)
    assert_fits(page)

    labels = page.get_by_label("Labels (comma-separated)")
    assert labels.evaluate("i => i.list && i.list.id") == "review-labels"
    assert labels.evaluate("i => Array.from(i.list.options, o => o.value)") == ["paediatric", "adults", "case series"]
    assert _progress(page) == (0, 3)
    first = page.locator(".screen-title").inner_text()
    labels.fill("adults")
    page.get_by_role("button", name="Include (I)").click()
    page.locator(".screen-title").filter(has_not_text=first).wait_for()
    assert _progress(page) == (1, 3)
    assert page.locator("#remaining").inner_text() == "2"
    assert ScreeningDecision.objects.get(reviewer=team.rev1).labels == ["adults"]


@pytest.mark.django_db(transaction=True)
def test_maybe_is_offered_only_while_the_lead_allows_it(people, live_server, team, to_screen):  # noqa: F811
    from review.models import ScreeningDecision

    screen = f"{live_server.url}/reviews/ivig/screen/title-abstract/"
    reviewer = people("rui_reviewer", PASSWORD)
    reviewer.goto(screen)
    maybe = reviewer.get_by_role("button", name="Maybe (M)")
    assert_on_screen(maybe)
    assert reviewer.get_by_text("Maybe counts as include").is_visible()

    lead = people("lena_lead", PASSWORD)
    lead.goto(f"{live_server.url}/reviews/ivig/")
    nav(lead, "Team", "Settings")
    allow = lead.get_by_label("Reviewers may vote maybe")
    assert allow.is_checked()
    allow.uncheck()
    lead.get_by_role("button", name="Save settings").click()
    lead.locator(".messages").wait_for()
    team.review.refresh_from_db()
    assert team.review.allow_maybe is False

    reviewer.goto(screen)
    reviewer.locator(".screen-title").wait_for()
    assert reviewer.get_by_role("button", name="Maybe (M)").count() == 0
    assert "M</kbd> maybe" not in reviewer.content()
    reviewer.keyboard.press("m")
    reviewer.wait_for_timeout(300)  # a vote would be sent at once; nothing is
    assert not ScreeningDecision.objects.filter(reviewer=team.rev1).exists()
    assert reviewer.locator("#remaining").inner_text() == "3"
    assert_on_screen(reviewer.get_by_role("button", name="Exclude (E)"))
    assert_fits(reviewer)
