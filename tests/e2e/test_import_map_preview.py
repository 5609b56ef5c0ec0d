"""The column-mapping page in a real browser: the preview table and the automatic picks
show under the Content-Security-Policy, the table scrolls inside its own region at 320 px,
and the import goes through."""

import pytest

from review.forms import AUTOMATIC_NOTHING, AUTOMATIC_PICK
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, new_page
from tests.e2e.test_output_csp import WATCH

TABLE = "Article Title,Writers,Publication Year,Notes\n" + "".join(
    f'"Study {i}: a long title about immunoglobulin in myositis, {i}","Author {i}",{2000 + i},note {i}\n'
    for i in range(1, 8)
)


@pytest.mark.django_db(transaction=True)
def test_lead_sees_five_rows_and_the_automatic_picks_then_imports(browser, live_server, team, source, settings,
                                                                 tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = tmp_path / "search.csv"
    upload.write_text(TABLE)
    context, page = new_page(browser)
    context.add_init_script(WATCH)
    log_in(page, live_server.url, "lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/{team.review.slug}/imports/new/")
    page.get_by_label("Source").select_option(label="PubMed")
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()
    page.get_by_role("heading", name="Which column is which?").wait_for()

    preview = page.get_by_role("region", name="The file’s first 5 rows")
    assert preview.locator("tbody tr").count() == 5
    assert preview.get_by_role("columnheader", name="Article Title → Title").count() == 1
    assert page.locator("#id_title_helptext").inner_text() == AUTOMATIC_PICK.format(columns="Article Title")
    assert page.locator("#id_authors_helptext").inner_text() == AUTOMATIC_NOTHING
    assert page.evaluate("window.__csp") == []

    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.evaluate("document.querySelector('.table-scroll').scrollWidth") > 320
    page.screenshot(path="/tmp/concord-e2e-import-map.png", full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Authors").select_option("Writers")
    page.get_by_role("button", name="Import with these columns").click()
    page.get_by_text("7 records imported").wait_for()
    context.close()
