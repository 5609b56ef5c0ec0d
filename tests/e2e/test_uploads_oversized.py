import pytest

from review.models import RecordImport
from tests.conftest import PASSWORD
from tests.integrity import uploads_samples as samples

MIB = 1024 * 1024


@pytest.mark.django_db(transaction=True)
def test_oversized_upload_shows_the_limit_on_the_form(page, live_server, login, make_user, settings, tmp_path):
    from review.services.reviews import review_create
    from review.services.sources import source_create

    settings.CONCORD_MAX_IMPORT_BYTES = 1 * MIB
    settings.MEDIA_ROOT = tmp_path / "media"
    lead = make_user("lena_lead")
    review = review_create(title="IVIg in myositis", slug="ivig", lead=lead)
    source_create(review=review, actor=lead, name="PubMed", kind="database")
    big = tmp_path / "big.ris"
    record = samples.ris(1)
    big.write_bytes(record * (2 * MIB // len(record) + 1))

    login("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/imports/new/")
    page.get_by_label("Source").select_option(label="PubMed")
    page.get_by_label("File").set_input_files(str(big))
    page.get_by_role("button", name="Import").click()
    # The browser gets the form back with the reason, not a reset connection or a bare 413.
    page.get_by_text("This file is larger than the 1 MiB limit (CONCORD_MAX_IMPORT_BYTES).").first.wait_for()
    assert page.get_by_label("Source").input_value() != ""
    assert RecordImport.objects.count() == 0
