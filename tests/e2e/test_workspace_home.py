"""The review home in the browser, on a phone and a laptop: each person's to-dos are links to
the page where the work waits, and the lead sees how far the review has come."""

import re

import pytest

from tests.conftest import PASSWORD
from tests.e2e.workspace import assert_fits, assert_on_screen, people, size  # noqa: F401  (fixtures)


@pytest.fixture
def busy_review(team, source, settings, tmp_path):
    """The 13 BCG trials extracted (one left to reconcile, one unlocked again after the analyses
    ran), three records of which one is in conflict, and one study assigned and not yet extracted."""
    from analysis import demo as bcg
    from extraction.models import Consensus
    from extraction.services.assignments import assignment_set
    from extraction.services.consensus import consensus_unlock
    from review.models import Record, RecordImport, Study
    from review.screening.services import decision_record

    settings.MEDIA_ROOT = tmp_path / "media"
    bcg.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2], leave_open="4")
    unlocked = Consensus.objects.filter(study__review=team.review, kind="extraction", status="locked").first()
    consensus_unlock(consensus=unlocked, actor=team.lead, reason="typo in events", expected_version=None)
    study = Study.objects.create(review=team.review, label="Dalakas 1993", created_by=team.lead)
    assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    imported = RecordImport.objects.create(review=team.review, source=source, filename="s.ris", sha256="3" * 64,
                                           status="done")
    records = [Record.objects.create(review=team.review, record_import=imported, source=source, position=i,
                                     title=f"Trial {i} of IVIg", year=2020) for i in range(1, 4)]
    for user, vote in ((team.rev1, "include"), (team.rev2, "exclude")):
        decision_record(review=team.review, record=records[0], stage="title_abstract", reviewer=user, vote=vote)
    return type("Busy", (), dict(review=team.review, unlocked=unlocked.study.label))


def _todos(page) -> list[str]:
    page.get_by_role("heading", name="What waits for you").wait_for()
    links = page.locator(".todos li a")
    for i in range(links.count()):
        assert_on_screen(links.nth(i))
    return [text.strip() for text in links.all_inner_texts()]


def _follow(page, home: str, todo: str, heading) -> None:
    page.goto(home)
    page.locator(".todos").get_by_role("link", name=todo, exact=True).click()
    assert page.get_by_role("heading", name=heading, level=1).is_visible(), (todo, page.url)
    assert_fits(page)


@pytest.mark.django_db(transaction=True)
def test_each_person_is_told_what_waits_and_each_to_do_leads_to_it(people, live_server, team, busy_review):  # noqa: F811
    home = f"{live_server.url}/reviews/ivig/"

    page = people("rui_reviewer", PASSWORD)
    page.goto(home)
    assert _todos(page) == ["2 records wait for your title/abstract vote", "1 extraction is assigned to you"]
    assert page.get_by_role("heading", name="Progress").count() == 0  # the strip is the lead's
    assert_fits(page)
    _follow(page, home, "2 records wait for your title/abstract vote", "Screening: title and abstract")
    assert page.locator(".screen-title").is_visible()
    _follow(page, home, "1 extraction is assigned to you", "Data extraction and quality appraisal")
    assert_on_screen(page.get_by_role("link", name="Extract Dalakas 1993"))

    page = people("ari_arbiter", PASSWORD)
    page.goto(home)
    assert _todos(page) == ["1 conflict waits for you", "1 study has discrepancies to reconcile"]
    _follow(page, home, "1 conflict waits for you", re.compile(r"^Conflicts \(1 open\)"))
    assert_on_screen(page.get_by_role("link", name="Trial 1 of IVIg"))

    page = people("lena_lead", PASSWORD)
    page.goto(home)
    todos = _todos(page)
    assert todos[:3] == ["1 conflict waits for you", "1 study has discrepancies to reconcile",
                         "1 study is ready to lock (extraction)"], todos
    stale = next(t for t in todos if t.endswith("out of date: the locked data changed"))
    assert re.fullmatch(r"\d+ (analysis is|analyses are) out of date: the locked data changed", stale)
    strip = page.locator(".progress-strip li")
    steps = {}
    for i in range(strip.count()):
        assert_on_screen(strip.nth(i))
        count, label = strip.nth(i).inner_text().split(maxsplit=1)
        steps[label.strip()] = int(count)
    assert list(steps) == ["Identified", "De-duplicated", "Screened", "Full text", "Included", "Extracted",
                           "Locked", "Analysed"]
    assert (steps["Identified"], steps["De-duplicated"], steps["Screened"]) == (3, 3, 0)
    assert (steps["Extracted"], steps["Locked"]) == (13, 11)
    assert_fits(page)
    _follow(page, home, "1 study is ready to lock (extraction)", "Lock all agreed studies (data extraction)")
    assert page.locator(".lock-list li").all_inner_texts() == [busy_review.unlocked]
    _follow(page, home, stale, "Analyses")
    _follow(page, home, "1 study has discrepancies to reconcile", "Data extraction and quality appraisal")
    page.goto(home)
    page.locator(".progress-strip").get_by_role("link", name="Identified").click()
    assert page.get_by_role("heading", name=re.compile(r"^Records")).is_visible()
