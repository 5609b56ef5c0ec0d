"""In a real browser: ten wrong passwords lock the account; a reset by e-mail lets its owner back in."""

import re

import pytest
from django.core import mail

from accounts.lockout import LOCKOUT_MESSAGE
from tests.conftest import PASSWORD

LOCKED = LOCKOUT_MESSAGE.format(wait="15 minutes")


def try_password(page, base_url, username, password):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.django_db(transaction=True)
def test_ten_wrong_passwords_show_the_lockout_and_the_reset_lets_the_owner_back_in(page, live_server, make_user):
    user = make_user("alice")
    user.email = "alice@example.org"
    user.save()
    base = live_server.url

    for _ in range(9):
        try_password(page, base, "alice", "wrong-password")
        page.get_by_role("alert").get_by_text("Please enter a correct username and password").wait_for()
    try_password(page, base, "alice", "wrong-password")
    page.get_by_text(LOCKED, exact=True).wait_for()

    response = page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/accounts/login/") and r.request.method == "POST") as posted:
        page.get_by_role("button", name="Log in").click()
    assert posted.value.status == 429
    page.get_by_text(LOCKED, exact=True).wait_for()
    assert response.status == 200

    page.get_by_role("link", name="Reset your password").click()
    page.get_by_label("Email").fill("alice@example.org")
    page.get_by_role("button", name="Send the reset link").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    (message,) = mail.outbox
    (link,) = re.findall(r"https?://\S+", message.body)
    assert link.startswith(base)

    page.goto(link)
    new = "a-brand-new-long-passphrase"
    page.get_by_label("New password:", exact=True).fill(new)
    page.get_by_label("New password confirmation").fill(new)
    page.get_by_role("button", name="Set password").click()
    page.get_by_role("heading", name="Password set").wait_for()

    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(new)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/reviews/")
