from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from review.models import Membership, Record, Review

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"


def test_scripted_set_up_and_import(monkeypatch, capsys):
    monkeypatch.setenv("LEAD_PW", "a-long-enough-password")
    call_command("create_user", "lena", "--email", "lena@example.org", "--password-from-env", "LEAD_PW")
    call_command("create_user", "rui")
    call_command("create_review", "ivig", "--title", "IVIg", "--lead", "lena")
    call_command("add_member", "ivig", "rui", "--role", "reviewer", "--role", "arbiter")
    call_command("import_records", "ivig", str(FILES / "three.ris"), "--source", "PubMed", "--no-progress")
    review = Review.objects.get(slug="ivig")
    assert Membership.active.get(review=review, user__username="rui").roles == ["reviewer", "arbiter"]
    assert Record.objects.filter(review=review).count() == 3
    assert "Imported 3 records" in capsys.readouterr().out


def test_import_of_a_bad_file_fails_with_the_reason(team):
    with pytest.raises(CommandError) as exc:
        call_command("import_records", "ivig", str(FILES / "truncated.ris"), "--source", "PubMed", "--no-progress")
    assert "truncated.ris" in str(exc.value)
    assert Record.objects.count() == 0


def test_unknown_review_is_named(db):
    with pytest.raises(CommandError, match="No review with the slug 'nope'"):
        call_command("add_member", "nope", "x", "--role", "reviewer")


def test_missing_password_variable_is_an_error(db):
    with pytest.raises(CommandError, match="NOPE_PW is not set"):
        call_command("create_user", "x", "--password-from-env", "NOPE_PW")


def test_demo_loads_once_and_prints_the_demo_users(capsys):
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "already loaded" in out and "reviewer1" in out
    review = Review.objects.get(slug="ivig-myositis")
    assert Record.objects.filter(review=review).count() == 60
