"""Pages a person reads: the address follows the title, errors come in the site's layout."""

import pytest

from tests.conftest import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_the_address_follows_the_title_until_edited(login, page, live_server, make_user):
    make_user("lena_lead")
    login("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/new/")
    page.get_by_label("Title").fill("Zinc for the common cold")
    assert page.get_by_label("Slug").input_value() == "zinc-for-the-common-cold"
    page.get_by_label("Slug").fill("zinc")
    page.get_by_label("Title").fill("Zinc for colds")
    assert page.get_by_label("Slug").input_value() == "zinc"


@pytest.mark.django_db(transaction=True)
def test_a_missing_page_is_in_the_layout_with_a_way_back(login, page, live_server, make_user):
    make_user("lena_lead")
    login("lena_lead", PASSWORD)
    response = page.goto(f"{live_server.url}/reviews/no-such-review/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    page.get_by_role("link", name="Back to your reviews").click()
    page.wait_for_url(f"{live_server.url}/reviews/")
