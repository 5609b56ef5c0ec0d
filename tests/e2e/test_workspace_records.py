"""The records list and the audit log in the browser, on a phone and a laptop: where each record
stands, merged copies marked, filters that change the rows, and a log in words."""

import re

import pytest

from tests.conftest import PASSWORD
from tests.e2e.workspace import assert_fits, assert_on_screen, nav, people, size  # noqa: F401  (fixtures)


@pytest.fixture
def screened(team, source):
    """Four records: one excluded by both, one in conflict (labelled by rui), one awaiting, one merged."""
    from review.models import Record, RecordImport
    from review.screening.services import decision_record

    imported = RecordImport.objects.create(review=team.review, source=source, filename="s.ris", sha256="4" * 64,
                                           status="done")
    records = [Record.objects.create(review=team.review, record_import=imported, source=source, position=i,
                                     title=f"Trial {i} of IVIg", journal="Neurology", authors=["Lim K"],
                                     year=2020) for i in range(1, 5)]
    Record.objects.filter(pk=records[3].pk).update(duplicate_of=records[2])
    for record, rui, rosa in ((records[0], "exclude", "exclude"), (records[1], "include", "exclude")):
        decision_record(review=team.review, record=record, stage="title_abstract", reviewer=team.rev1, vote=rui,
                        labels=["paediatric"] if record == records[1] else [])
        decision_record(review=team.review, record=record, stage="title_abstract", reviewer=team.rev2, vote=rosa)
    return records


def _rows(page) -> dict[str, list[str]]:
    rows = page.locator("table.records tbody tr")
    return {rows.nth(i).locator("td").first.inner_text(): rows.nth(i).locator("td").all_inner_texts()[5:]
            for i in range(rows.count())}


@pytest.mark.django_db(transaction=True)
def test_the_records_list_shows_each_stage_marks_merged_copies_and_filters(people, live_server, team, screened):  # noqa: F811
    page = people("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/")
    nav(page, "Records", "Records")
    page.get_by_role("heading", name=re.compile(r"^Records")).wait_for()
    assert _rows(page) == {
        "Trial 1 of IVIg": ["Excluded", "not reached"],
        "Trial 2 of IVIg": ["In conflict", "not reached"],
        "Trial 3 of IVIg": ["Awaiting decisions", "not reached"],
        "Trial 4 of IVIg": [f"merged into record {screened[2].pk}"],
    }
    assert_on_screen(page.locator(".flag.merged"))
    assert_fits(page)
    page.locator(".flag.merged").locator("xpath=..").get_by_role("link").click()
    page.get_by_role("heading", name="Trial 3 of IVIg").wait_for()

    page.go_back()
    page.get_by_label("Status").select_option(label="Title/abstract: Excluded")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=ta%3Aexcluded"))
    assert list(_rows(page)) == ["Trial 1 of IVIg"]
    page.get_by_label("Status").select_option(label="Merged duplicates")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=merged"))
    assert list(_rows(page)) == ["Trial 4 of IVIg"]
    assert page.get_by_label("My label").count() == 0  # the lead gave no labels

    page = people("rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/records/")
    assert len(_rows(page)) == 4
    page.get_by_label("My label").select_option("paediatric")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"label=paediatric"))
    assert list(_rows(page)) == ["Trial 2 of IVIg"]
    assert_fits(page)


@pytest.mark.django_db(transaction=True)
def test_the_audit_log_reads_in_words(people, live_server, team, screened):  # noqa: F811
    page = people("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/settings/")
    page.locator("#id_title").fill("IVIg in adult myositis")
    page.get_by_role("button", name="Save settings").click()
    page.locator(".messages").wait_for()
    nav(page, "Team", "Audit log")
    page.get_by_role("heading", name="Audit log").wait_for()
    table = page.locator("table.audit")
    text = table.inner_text()
    assert "{'" not in text and "': " not in text  # no Python dicts
    assert not re.search(r"\b[A-Z][A-Za-z]+ object \(\d+\)", text)  # no "ScreeningDecision object (3)"
    assert "Title: IVIg in myositis → IVIg in adult myositis" in table.locator("ul.changes li").all_inner_texts()
    assert table.get_by_role("cell", name="Review: created").first.is_visible()
    change = table.locator("ul.changes li", has_text="→").first
    assert_on_screen(change)
    assert_fits(page)
