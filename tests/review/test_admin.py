"""The admin shows records but cannot change them: a record is its import, verbatim."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_superuser_can_read_a_record_but_not_change_add_or_delete_it(client, team, source):
    from django.contrib.auth import get_user_model

    from review.models import Record, RecordImport

    record_import = RecordImport.objects.create(
        review=team.review, source=source, filename="a.ris", sha256="1" * 64, status="done"
    )
    record = Record.objects.create(review=team.review, record_import=record_import, source=source, position=1,
                                   title="Original title", year=2001)
    admin_user = get_user_model().objects.create_superuser("root", "root@example.org", "a-long-admin-password-1")
    client.force_login(admin_user)
    change = reverse("admin:review_record_change", args=[record.pk])
    page = client.get(change)
    assert page.status_code == 200 and "Original title" in page.content.decode()
    client.post(change, {"title": "Edited", "year": 1999})
    record.refresh_from_db()
    assert (record.title, record.year) == ("Original title", 2001)
    assert client.get(reverse("admin:review_record_add")).status_code == 403
    assert client.post(reverse("admin:review_record_delete", args=[record.pk]), {"post": "yes"}).status_code == 403
    assert Record.objects.filter(pk=record.pk).exists()
