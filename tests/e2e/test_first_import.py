from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import nav_to

FILES = Path(__file__).resolve().parents[1] / "review" / "files"


@pytest.mark.django_db(transaction=True)
def test_lead_creates_a_review_uploads_ris_and_sees_its_records(page, live_server, login, make_user):
    make_user("lena_lead")
    login("lena_lead", PASSWORD)

    page.get_by_role("link", name="New review").click()
    page.get_by_label("Title").fill("IVIg in myositis")
    page.get_by_label("Slug").fill("ivig")
    page.get_by_role("button", name="Create review").click()
    page.get_by_role("heading", name="IVIg in myositis").wait_for()

    nav_to(page, "Records", "Sources")
    page.get_by_label("Name").fill("PubMed")
    page.get_by_role("button", name="Add source").click()
    page.get_by_text("Search source added.").wait_for()

    page.goto(f"{live_server.url}/reviews/ivig/imports/new/")
    page.get_by_label("Source").select_option(label="PubMed")
    page.get_by_label("File").set_input_files(str(FILES / "three.ris"))
    page.get_by_role("button", name="Import").click()
    page.get_by_text("3 records imported").wait_for()

    page.get_by_role("link", name="3 records imported").click()
    page.get_by_role("link", name="A controlled trial of high-dose intravenous immune globulin").click()
    abstract = page.locator(".abstract").inner_text()
    # The script tag in the abstract is shown as text, never run.
    assert '<script>alert("x")</script>' in abstract
    page.screenshot(path="/tmp/concord-e2e-record.png")
