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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["laptop", "phone"])
def test_the_navigation_is_one_row_on_a_laptop_and_a_menu_on_a_phone(browser, live_server, team, size):
    from tests.e2e.conftest import log_in, nav_to

    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server.url, "rui_reviewer", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/")
    header = page.locator("header.top").bounding_box()
    nav = page.get_by_role("navigation", name="Review")
    if size[0] > 1000:
        assert header["height"] < 70, header  # one row of groups
    else:
        assert header["height"] < 0.15 * size[1], header  # folded: the page starts near the top
        assert not nav.is_visible()
        page.get_by_role("button", name="Menu").click()
    assert nav.locator("summary", has_text="Screening").is_visible()
    # A reviewer's menu has their own pages, not the lead's.
    assert nav.get_by_role("link", name="Settings").count() == 0
    assert nav.get_by_role("link", name="Conflicts").count() == 0
    nav_to(page, "Screening", "Title/abstract")
    page.wait_for_url(f"{live_server.url}/reviews/ivig/screen/title-abstract/")
    context.close()
