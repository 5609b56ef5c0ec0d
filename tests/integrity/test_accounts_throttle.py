"""Log-in throttling per account and per address, its audit trail, and the password reset."""

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import RequestFactory

from accounts.client_ip import client_ip
from accounts.lockout import LOCKOUT_MESSAGE, lockout_message
from accounts.services import UNLOCK_NEEDS_TARGET
from review.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "not-the-password-at-all"
LOCKED = LOCKOUT_MESSAGE.format(wait="15 minutes")


@pytest.fixture(autouse=True)
def issue_limits(settings):
    """The figures of the issue, whatever the environment running the tests sets."""
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    settings.CONCORD_PROXY_COUNT = 0


@pytest.fixture
def alice(make_user):
    user = make_user("alice")
    user.email = "alice@example.org"
    user.save()
    return user


@pytest.fixture
def bob(make_user):
    return make_user("bob")


def post_login(client, username, password, address="203.0.113.7", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def logged_in(response) -> bool:
    return response.status_code == 302 and response.url == "/reviews/"


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("at", "id"))


def test_lockout_message_is_the_one_the_issue_asks_for():
    assert lockout_message() == (
        "Too many failed log-ins for this account or address. Try again in 15 minutes, or reset your password."
    )


def test_ten_wrong_passwords_lock_the_account_even_against_the_right_password(client, alice):
    for _ in range(9):
        response = post_login(client, "alice", WRONG)
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    tenth = post_login(client, "alice", WRONG)
    assert tenth.status_code == 429
    assert LOCKED in tenth.content.decode()

    right = post_login(client, "alice", PASSWORD)
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_account_lock_holds_from_every_address_but_locks_no_other_account(client, alice, bob):
    for n in range(10):
        post_login(client, "alice", WRONG, address=f"198.51.100.{n + 1}")
    assert post_login(client, "alice", PASSWORD, address="192.0.2.50").status_code == 429
    assert logged_in(post_login(client, "bob", PASSWORD, address="192.0.2.50"))


def test_address_lock_spans_usernames_and_spares_other_addresses(client, alice):
    for n in range(10):
        post_login(client, f"guess{n}", WRONG, address="203.0.113.99")
    refused = post_login(client, "alice", PASSWORD, address="203.0.113.99")
    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert logged_in(post_login(client, "alice", PASSWORD, address="192.0.2.1"))


def test_lock_ends_after_the_cool_off_and_a_refused_attempt_does_not_extend_it(client, alice):
    for _ in range(10):
        post_login(client, "alice", WRONG)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=14))
    before = list(AccessAttempt.objects.values_list("attempt_time", flat=True))
    assert post_login(client, "alice", PASSWORD).status_code == 429
    assert list(AccessAttempt.objects.values_list("attempt_time", flat=True)) == before

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=2))
    assert logged_in(post_login(client, "alice", PASSWORD))


def test_failures_and_the_lockout_are_audited_without_the_password(client, alice):
    for _ in range(10):
        post_login(client, "alice", WRONG)
    post_login(client, "alice", PASSWORD)  # refused during the cool-off: not counted, not audited

    failed = events("account.login_failed")
    assert len(failed) == 10
    assert all(e.review_id is None for e in failed)
    assert failed[0].new_value == {"username": "alice", "address": "203.0.113.7", "failures": 1}
    assert failed[-1].new_value["failures"] == 10
    (locked,) = events("account.locked_out")
    assert locked.review_id is None
    assert locked.new_value["username"] == "alice"
    assert locked.new_value["address"] == "203.0.113.7"
    assert locked.new_value["locked"] == ["username", "address"]
    assert locked.reason == "10 failed log-ins within 15 minutes"

    for event in AuditEvent.objects.all():
        text = json.dumps([event.old_value, event.new_value, event.reason, event.object_id])
        assert WRONG not in text and PASSWORD not in text
    for attempt in AccessAttempt.objects.all():
        assert WRONG not in attempt.post_data


def test_locking_an_address_names_the_address_only(client):
    for n in range(10):
        post_login(client, f"guess{n}", WRONG, address="203.0.113.99")
    (locked,) = events("account.locked_out")
    assert locked.new_value["locked"] == ["address"]
    assert locked.new_value["username"] == "guess9"


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, alice):
    for n in range(10):
        post_login(client, f"guess{n}", WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert post_login(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_behind_one_proxy_the_address_it_appended_is_counted(client, alice, settings):
    settings.CONCORD_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(10):
        # A client-forged first hop changes nothing: only the proxy's own entry counts.
        post_login(client, f"guess{n}", WRONG, address=proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 198.51.100.9")
    assert post_login(client, "alice", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 429
    assert logged_in(post_login(client, "alice", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.10"))
    assert {a.ip_address for a in AccessAttempt.objects.all()} == {"198.51.100.9"}


def test_unlock_command_ends_the_lock_on_the_record(client, alice):
    for _ in range(10):
        post_login(client, "alice", WRONG)
    out = call_command_output("login_unlock", username="alice", address="203.0.113.7", reason="called the help desk")
    assert out == "Unlocked alice and 203.0.113.7: 1 failure records cleared.\n"
    assert logged_in(post_login(client, "alice", PASSWORD))
    (unlocked,) = events("account.unlocked")
    assert unlocked.reason == "called the help desk"
    assert unlocked.new_value == {"username": "alice", "address": "203.0.113.7", "failure_records_cleared": 1}


def test_unlock_command_needs_a_target(db):
    with pytest.raises(CommandError, match=f"^{re.escape(UNLOCK_NEEDS_TARGET)}$"):
        call_command("login_unlock", reason="why")


def test_admin_unlock_action_is_audited(client, alice, django_user_model):
    for _ in range(10):
        post_login(client, "alice", WRONG)
    admin_user = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(admin_user)
    attempt = AccessAttempt.objects.get()
    response = client.post(
        "/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    (unlocked,) = events("account.unlocked")
    assert unlocked.actor_id == admin_user.pk
    assert unlocked.reason == "unlocked in the admin"


def test_test_client_login_goes_through_the_throttle(client, alice):
    assert not client.login(username="alice", password=WRONG)
    assert AccessAttempt.objects.get().failures_since_start == 1
    assert client.login(username="alice", password=PASSWORD)


def test_limits_and_mail_come_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "concord.test_settings",
        "CONCORD_LOGIN_FAILURE_LIMIT": "4",
        "CONCORD_LOGIN_COOLOFF_MINUTES": "30",
        "CONCORD_PROXY_COUNT": "2",
        "CONCORD_EMAIL_HOST": "smtp.example.org",
        "CONCORD_EMAIL_PORT": "465",
        "CONCORD_DEFAULT_FROM_EMAIL": "Team <team@example.org>",
    }
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.CONCORD_PROXY_COUNT, s.EMAIL_BACKEND, "
        "s.EMAIL_HOST, s.EMAIL_PORT, s.DEFAULT_FROM_EMAIL)"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "4", "0:30:00", "2", "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org", "465", "Team", "<team@example.org>",
    ]


def test_mail_goes_to_the_console_by_default():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_EMAIL")}
    env["DJANGO_SETTINGS_MODULE"] = "concord.test_settings"
    script = "import django; django.setup(); from django.conf import settings as s; print(s.EMAIL_BACKEND)"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "6.6.6.6, 198.51.100.9", "198.51.100.9"),
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.1", "198.51.100.9"),
        (2, "198.51.100.9", "198.51.100.9"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.CONCORD_PROXY_COUNT = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **extra)
    assert client_ip(request) == expected


def call_command_output(*args, **kwargs) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


# Password reset by e-mail


def reset_link(message) -> str:
    (link,) = re.findall(r"https?://\S+", message.body)
    return link


def test_login_page_links_to_the_reset(client):
    assert 'href="/accounts/password_reset/"' in client.get(LOGIN).content.decode()
    assert "Forgot your password?" in client.get(LOGIN).content.decode()


def test_reset_by_email_sets_a_new_password_and_is_audited(client, alice):
    response = client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert response.status_code == 302 and response.url == "/accounts/password_reset/done/"
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Reset your Concord password"
    assert "Concord" in message.body and '"alice"' in message.body
    link = reset_link(message)
    assert link.startswith("http://testserver/accounts/reset/")

    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Set a new password" in form.content.decode()
    new = "a-brand-new-long-passphrase"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done.url == "/accounts/reset/done/"

    assert not logged_in(post_login(client, "alice", PASSWORD))
    assert logged_in(post_login(client, "alice", new))

    (requested,) = events("account.password_reset_requested")
    assert requested.new_value == {"email": "alice@example.org", "accounts": 1, "address": "127.0.0.1"}
    (reset,) = events("account.password_reset_done")
    assert reset.actor_id == alice.pk
    assert new not in json.dumps(reset.new_value)
    assert client.get(link, follow=True).content.decode().count("This reset link no longer works") == 1


def test_unknown_address_gets_the_same_answer_and_no_mail(client, alice):
    known = client.post("/accounts/password_reset/", {"email": "alice@example.org"}, follow=True)
    unknown = client.post("/accounts/password_reset/", {"email": "nobody@example.org"}, follow=True)
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content
    assert len(mail.outbox) == 1
    assert events("account.password_reset_requested")[-1].new_value["accounts"] == 0


def test_reset_ends_the_account_lock(client, alice):
    for n in range(10):
        post_login(client, "alice", WRONG, address=f"198.51.100.{n + 1}")
    assert post_login(client, "alice", PASSWORD, address="192.0.2.50").status_code == 429
    client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    new = "a-brand-new-long-passphrase"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert logged_in(post_login(client, "alice", new, address="192.0.2.50"))
    assert events("account.password_reset_done")[0].new_value["failure_records_cleared"] == 10
