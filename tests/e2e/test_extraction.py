"""Browser: two extractors disagree on one value, the lead settles it with a reason and locks."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import nav_to, settle_with_a_and_lock
from tests.extraction.conftest import SCHEMA


@pytest.mark.django_db(transaction=True)
def test_two_extractors_one_discrepancy_resolved_and_locked(page, live_server, login, make_user):
    from extraction.models import Consensus
    from extraction.selectors import locked_consensus
    from extraction.services.assignments import assignment_set
    from extraction.services.forms import form_publish
    from review.models import Study
    from review.services.reviews import member_add, review_create

    lead, rev1, rev2 = make_user("lena_lead"), make_user("rui_reviewer"), make_user("rosa_reviewer")
    review = review_create(title="IVIg in myositis", slug="ivig", lead=lead)
    for user in (rev1, rev2):
        member_add(review=review, user=user, roles=["reviewer"], actor=lead)
    form_publish(review=review, schema=SCHEMA, actor=lead)
    study = Study.objects.create(review=review, label="Lim 2020")
    assignment_set(study=study, kind="extraction", users=[rev1, rev2], actor=lead, expected_version=None)

    def extract(username, dose):
        login(username, PASSWORD)
        page.goto(f"{live_server.url}/reviews/ivig/")
        nav_to(page, "Studies", "Extraction")
        page.get_by_role("link", name="Extract Lim 2020").click()
        page.get_by_label("Country").fill("India")
        page.get_by_label("Study design").select_option("RCT")
        page.get_by_label("Dose [IVIg]").fill(dose)
        page.get_by_label("Complete response: Events [IVIg] [6 months]").fill("5")
        page.get_by_role("button", name="Submit").click()
        page.get_by_text("Submitted.", exact=True).wait_for()
        page.get_by_role("button", name="Log out").click()

    extract("rui_reviewer", "2")
    extract("rosa_reviewer", "2.5")

    login("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/extraction/")
    settle_with_a_and_lock(page, "Lim 2020", "Methods: 2 g/kg over 2 days", reason_label="Reason for Dose [IVIg]")
    page.screenshot(path="/tmp/concord-e2e-extraction-locked.png")

    consensus = Consensus.objects.get(study=study)
    assert consensus.is_locked
    assert consensus.data["dose@IVIg"] == "2"
    assert locked_consensus(review).studies[0].fingerprint


@pytest.mark.django_db(transaction=True)
def test_lead_loads_the_starter_form_and_an_assessor_sees_rob2_judgements(page, live_server, login, make_user):
    from extraction.services.assignments import assignment_set
    from review.models import Study
    from review.services.reviews import member_add, review_create

    lead, rev1, rev2 = make_user("lena_lead"), make_user("rui_reviewer"), make_user("rosa_reviewer")
    review = review_create(title="IVIg in myositis", slug="ivig", lead=lead)
    for user in (rev1, rev2):
        member_add(review=review, user=user, roles=["reviewer"], actor=lead)
    study = Study.objects.create(review=review, label="Dalakas 1993")

    login("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/extraction/form/")
    page.get_by_role("button", name="Load the starter template (IVIg in myositis)").click()
    page.get_by_text("Form saved as version 1.", exact=True).wait_for()
    page.get_by_role("cell", name="Complete response").first.wait_for()
    page.goto(f"{live_server.url}/reviews/ivig/extraction/assignments/")
    page.get_by_label("Design of Dalakas 1993").select_option("rct")
    page.get_by_role("button", name="Set").click()
    page.get_by_text("Dalakas 1993: appraisal instrument set.").wait_for()
    page.screenshot(path="/tmp/concord-e2e-extraction-assignments.png", full_page=True)
    page.get_by_role("button", name="Log out").click()
    assignment_set(study=study, kind="appraisal", users=[rev1, rev2], actor=lead, expected_version=None)

    login("rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/extraction/")
    page.get_by_role("link", name="Appraise Dalakas 1993").click()
    page.get_by_label("1.1 Was the allocation sequence random?").select_option("Y")
    page.get_by_label("1.2 Was the allocation sequence concealed").select_option("Y")
    page.get_by_label("1.3 Did baseline differences").select_option("N")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Saved.", exact=True).wait_for()
    row = page.get_by_role("row", name="Bias arising from the randomisation process")
    assert "Low" in row.inner_text()
    page.screenshot(path="/tmp/concord-e2e-extraction-appraisal.png")
