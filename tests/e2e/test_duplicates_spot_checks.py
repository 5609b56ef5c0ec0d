"""A lead audits the automatic merges, undoes one, chooses the kept copy, and merges by search."""

import re
from pathlib import Path

import pytest

from review.models import AuditEvent, DuplicatePair, Record
from review.models.duplicates import PairStatus
from review.services.imports import import_records
from tests.conftest import PASSWORD

FILES = Path(__file__).resolve().parents[1] / "review" / "files"


def _watch_csp(page):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


def _import(team, source, name, **kwargs):
    import_records(review=team.review, source=source, filename=name, data=(FILES / name).read_bytes(),
                   actor=team.lead, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_lead_audits_automatic_merges_undoes_one_and_keeps_the_other_copy_of_another(
    page, live_server, login, team, source,
):
    _import(team, source, "dups.ris")
    pair = DuplicatePair.objects.get(status=PairStatus.MERGED, automatic=True)
    merged, kept = pair.record, pair.kept
    violations = _watch_csp(page)
    login("lena_lead", PASSWORD)
    base = f"{live_server.url}/reviews/{team.review.slug}/duplicates/"
    page.goto(base)
    page.get_by_role("heading", name="Merged automatically (1)").wait_for()
    section = page.locator("#automatic-merges")
    section.get_by_label("Title, author or DOI").fill("high-dose")
    section.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"q=high-dose"))
    row = page.locator(f"#merge-{pair.pk}")
    assert row.locator("caption").inner_text().startswith(f"Score {pair.score:.3f}")
    assert row.locator("tbody tr").count() == 8  # title, authors, journal, year, volume, pages, DOI, source
    page.screenshot(path="/tmp/concord-e2e-automatic-merges.png", full_page=True)

    # Keep the other copy: the merged record becomes the one screening sees.
    row.get_by_label("Reason to swap").fill("this copy has the abstract")
    row.get_by_role("button", name=f"Keep record {merged.pk} instead").click()
    page.get_by_text(f"Record {merged.pk} is now the kept copy; record {kept.pk} is merged into it.").wait_for()
    assert "q=high-dose" in page.url
    merged.refresh_from_db()
    kept.refresh_from_db()
    assert merged.duplicate_of_id is None and kept.duplicate_of_id == merged.pk
    assert AuditEvent.objects.get(action="duplicate.kept_swapped").reason == "this copy has the abstract"

    # Undo from the list, with a reason, back on the same filtered list.
    row = page.locator(f"#merge-{pair.pk}")
    row.get_by_label("Reason to undo").fill("different trial arms")
    row.get_by_role("button", name=f"Undo merge of record {kept.pk}").click()
    page.get_by_text(f"Merge undone: record {kept.pk} is back in screening beside record {merged.pk}.").wait_for()
    assert "q=high-dose" in page.url
    page.get_by_text("No automatic merge matches these filters.").wait_for()
    kept.refresh_from_db()
    assert kept.duplicate_of_id is None
    assert AuditEvent.objects.get(action="duplicate.unmerged").reason == "different trial arms"
    assert violations == []


@pytest.mark.django_db(transaction=True)
def test_lead_keeps_the_left_copy_of_a_queued_pair(page, live_server, login, team, source):
    _import(team, source, "three.ris", dedup=False)
    first, second, third = Record.objects.order_by("position")
    pair = DuplicatePair.objects.create(review=team.review, record=second, kept=first, score=0.71, decision="maybe")
    nxt = DuplicatePair.objects.create(review=team.review, record=third, kept=first, score=0.6, decision="maybe")
    violations = _watch_csp(page)
    login("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/{team.review.slug}/duplicates/{pair.pk}/")
    page.locator(f'input[name="keep"][value="{second.pk}"]').check()
    page.get_by_role("button", name="Merge (m)").click()
    page.get_by_text(f"Record {first.pk} merged into record {second.pk}.").wait_for()
    # The page now shows the next pair, under that pair's own address.
    assert page.url.endswith(f"/duplicates/{nxt.pk}/")
    first.refresh_from_db()
    assert first.duplicate_of_id == second.pk
    assert violations == []


@pytest.mark.django_db(transaction=True)
def test_lead_merges_a_record_found_by_searching_its_title(page, live_server, login, team, source):
    _import(team, source, "three.ris", dedup=False)
    first, second, _ = Record.objects.order_by("position")
    words = " ".join(second.title.split()[:3])
    violations = _watch_csp(page)
    login("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/{team.review.slug}/records/{first.pk}/")
    page.get_by_text("Merge this record into another").click()
    page.get_by_label("Title words, an author or a DOI").fill(words)
    page.get_by_role("button", name="Find").click()
    candidate = page.locator(f"#candidate-{second.pk}")
    candidate.wait_for()
    assert page.locator(f"#candidate-{first.pk}").count() == 0  # never itself
    page.screenshot(path="/tmp/concord-e2e-merge-by-search.png", full_page=True)
    candidate.get_by_role("button", name=f"Merge into record {second.pk}").click()
    page.get_by_text(f"Record {first.pk} merged into record {second.pk}.").wait_for()
    first.refresh_from_db()
    assert first.duplicate_of_id == second.pk
    assert violations == []


@pytest.mark.django_db(transaction=True)
def test_merge_search_results_follow_the_typing(page, live_server, login, team, source):
    _import(team, source, "three.ris", dedup=False)
    first, _, third = Record.objects.order_by("position")
    violations = _watch_csp(page)
    login("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/{team.review.slug}/records/{first.pk}/")
    page.get_by_text("Merge this record into another").click()
    search = page.get_by_label("Title words, an author or a DOI")
    search.press_sequentially(" ".join(third.title.split()[:2]), delay=30)
    page.locator(f"#candidate-{third.pk}").wait_for()  # no click on Find
    assert "find=" not in page.url
    page.locator(f"#candidate-{third.pk}").get_by_role("button", name=f"Merge into record {third.pk}").click()
    page.get_by_text(f"Record {first.pk} merged into record {third.pk}.").wait_for()
    first.refresh_from_db()
    assert first.duplicate_of_id == third.pk
    assert violations == []
