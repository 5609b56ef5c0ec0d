"""Import recovery as people meet it: pages that heal a dead import, Retry, the fence on a late worker."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from review.import_jobs import (
    NOT_REFUSED,
    WORKER_STOPPED,
    ImportLost,
    _heartbeat_path,
    _touch,
    import_claim,
    import_retry,
    imports_recover,
)
from review.models import AuditEvent, Record, RecordImport
from review.models.imports import ImportStatus
from review.services.imports import import_create, import_run

RIS = b"".join(
    b"TY  - JOUR\nTI  - Trial %d of immunoglobulin\nPY  - 2020\nER  - \n\n" % i for i in range(30)
)


@pytest.fixture
def stalled(team, source):
    """An import a worker claimed and then stopped renewing: the state a SIGKILL leaves."""
    record_import = import_create(review=team.review, source=source, filename="stalled.ris", data=RIS, actor=team.lead)
    import_claim(record_import=record_import)
    _heartbeat_path(record_import.pk).unlink(missing_ok=True)
    RecordImport.objects.filter(pk=record_import.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    return record_import


def _url(team, record_import, suffix=""):
    return f"/reviews/{team.review.slug}/imports/{record_import.pk}/{suffix}"


def test_reading_the_import_status_fails_an_import_whose_worker_stopped(team, stalled, client):
    client.force_login(team.rev1)
    status = client.get(_url(team, stalled, "status.json")).json()
    assert status["status"] == ImportStatus.FAILED and status["finished"] is True
    assert status["error"] == WORKER_STOPPED
    event = AuditEvent.objects.get(action="import.abandoned")
    assert event.actor is None and event.new_value["attempt"] == 1


def test_a_live_lease_or_a_fresh_heartbeat_keeps_an_import_running(team, source, stalled):
    _touch(stalled.pk)
    assert imports_recover() == []
    _heartbeat_path(stalled.pk).unlink()
    RecordImport.objects.filter(pk=stalled.pk).update(lease_expires_at=timezone.now() + dt.timedelta(seconds=60))
    assert imports_recover() == []
    assert RecordImport.objects.get(pk=stalled.pk).status == ImportStatus.RUNNING


def test_an_import_left_running_before_leases_existed_is_recovered(team, stalled):
    RecordImport.objects.filter(pk=stalled.pk).update(lease_expires_at=None)
    assert imports_recover() == [stalled.pk]


def test_the_lead_retries_a_stopped_import_from_its_page_and_it_lands(
    team, stalled, client, django_capture_on_commit_callbacks
):
    client.force_login(team.lead)
    page = client.get(_url(team, stalled)).content.decode()
    assert WORKER_STOPPED in page and _url(team, stalled, "retry/") in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(team, stalled, "retry/"))
    assert response.status_code == 302
    stalled.refresh_from_db()
    assert stalled.status == ImportStatus.DONE and stalled.record_count == 30 and stalled.attempts == 2
    assert Record.objects.filter(record_import=stalled).count() == 30
    with pytest.raises(ValidationError) as exc:
        import_retry(record_import=stalled, actor=team.lead)
    assert exc.value.messages == [NOT_REFUSED.format(status="imported")]


def test_a_reviewer_who_did_not_upload_cannot_retry(team, stalled, client):
    imports_recover()
    client.force_login(team.rev1)
    assert client.post(_url(team, stalled, "retry/")).status_code == 403
    assert RecordImport.objects.get(pk=stalled.pk).status == ImportStatus.FAILED


def test_a_worker_whose_lease_was_given_up_lands_nothing(team, source):
    record_import = import_create(review=team.review, source=source, filename="late.ris", data=RIS, actor=team.lead)

    def lose_the_lease(done, total):
        # Mid-import the sweep gives this import up, as it would a worker frozen past its lease.
        if done and not RecordImport.objects.filter(pk=record_import.pk, status=ImportStatus.FAILED).exists():
            _heartbeat_path(record_import.pk).unlink(missing_ok=True)
            RecordImport.objects.filter(pk=record_import.pk).update(
                lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
            )
            imports_recover()

    with pytest.raises(ImportLost):
        import_run(record_import=record_import, progress=lose_the_lease)
    assert Record.objects.filter(record_import=record_import).count() == 0
    assert not AuditEvent.objects.filter(action="import.completed").exists()


def test_an_upload_waiting_for_its_column_map_is_cancelled_from_the_map_page(team, source, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(team.lead)
    upload = SimpleUploadedFile("table.csv", b"Title,Year\nA trial,2020\n", content_type="text/csv")
    response = client.post(f"/reviews/{team.review.slug}/imports/new/", {"source": source.pk, "file": upload})
    record_import = RecordImport.objects.get()
    assert response.url == _url(team, record_import, "columns/")
    assert _url(team, record_import, "cancel/") in client.get(response.url).content.decode()
    assert client.post(_url(team, record_import, "cancel/")).status_code == 302
    assert RecordImport.objects.get().status == ImportStatus.CANCELLED
    assert client.get(_url(team, record_import, "columns/")).url == _url(team, record_import)
    assert client.get(_url(team, record_import, "cancel/")).status_code == 405
