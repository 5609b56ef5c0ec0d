from pathlib import Path

import pytest

from review.models import DuplicatePair, Record
from review.services.imports import import_records
from tests.conftest import PASSWORD

FILES = Path(__file__).resolve().parents[1] / "review" / "files"


@pytest.mark.django_db(transaction=True)
def test_lead_settles_a_possible_duplicate_with_the_keyboard(page, live_server, login, team, source):
    import_records(review=team.review, source=source, filename="three.ris",
                   data=(FILES / "three.ris").read_bytes(), actor=team.lead, dedup=False)
    first, second, _ = Record.objects.order_by("position")
    pair = DuplicatePair.objects.create(review=team.review, record=second, kept=first, score=0.71, decision="maybe")

    login("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/{team.review.slug}/duplicates/")
    page.get_by_role("link", name="Start with the most likely pair").click()
    page.get_by_role("heading", name="Same paper?").wait_for()
    assert page.locator("table.compare mark").count() > 0  # differences are highlighted
    page.screenshot(path="/tmp/concord-e2e-duplicate-pair.png", full_page=True)
    page.keyboard.press("m")
    page.get_by_text(f"Record {second.pk} merged into record {first.pk}.").wait_for()
    pair.refresh_from_db()
    second.refresh_from_db()
    assert pair.status == "merged" and second.duplicate_of_id == first.pk
