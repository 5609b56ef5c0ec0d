"""Background imports survive crashes: real `manage.py db_worker` processes on a shared database.

Each worker is a subprocess on the test database itself (PostgreSQL's test database, or a
SQLite file), so it is committed data both sides see: transactional tests throughout. The
in-memory SQLite database of a plain run cannot be shared with another process; there the
first test runs this module again in a child pytest on a SQLite file (SQLITE_TEST_PATH).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from review.import_jobs import (
    CANCEL_TOO_LATE,
    UPLOAD_AGAIN,
    WORKER_STOPPED,
    import_cancel,
    import_enqueue,
    import_retry,
)
from review.models import AuditEvent, Record, RecordImport
from review.models.imports import ImportStatus
from review.services.imports import ALREADY_IMPORTED, import_create
from tests.concurrency import race

REPO_ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3
BIG_FILE_RECORDS = 20_000


def _memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and not os.environ.get("SQLITE_TEST_PATH")


needs_shared_database = pytest.mark.skipif(
    "_memory_sqlite()",
    reason="an in-memory SQLite database cannot be shared with a worker process; "
    "test_on_a_sqlite_file_when_the_database_is_in_memory runs these on a SQLite file",
)


def _ris(n: int, tag: str) -> bytes:
    block = (
        "TY  - JOUR\nAU  - Author, A.\nTI  - {tag} trial of immunoglobulin in myositis number {i}\n"
        "T2  - Journal of Tests\nPY  - 2020\nAB  - An abstract long enough to make parsing take a while, "
        "record {i}, with some more words about muscle strength and creatine kinase.\nER  - \n\n"
    )
    return "".join(block.format(tag=tag, i=i) for i in range(n)).encode()


def _worker_env() -> dict:
    env = dict(os.environ)
    from django.conf import settings

    db = connection.settings_dict
    env.update(
        DJANGO_SETTINGS_MODULE="concord.settings",
        SECRET_KEY="worker-recovery-test-secret-key-0123456789-abcdefghijklmnop",
        DEBUG="0",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        CONCORD_IMPORT_LEASE_SECONDS=str(LEASE_SECONDS),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(db["NAME"])
    else:
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


def _start_worker(*extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2",
         "--verbosity", "0", *extra],
        cwd=REPO_ROOT, env=_worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.kill()
    worker.wait(timeout=10)


def _wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _status(record_import) -> str:
    return RecordImport.objects.values_list("status", flat=True).get(pk=record_import.pk)


@pytest.fixture
def worker_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CONCORD_IMPORT_LEASE_SECONDS = LEASE_SECONDS


def _queued(team, source, data: bytes, name: str) -> RecordImport:
    record_import = import_create(review=team.review, source=source, filename=name, data=data, actor=team.lead)
    from django.db import transaction

    with transaction.atomic():
        assert import_enqueue(record_import=record_import)
    return record_import


SHARED = ["killed_mid_import", "two_workers", "double_submitted", "twice_at_once"]


def test_on_a_sqlite_file_when_the_database_is_in_memory(tmp_path):
    if not _memory_sqlite():
        pytest.skip("the database is shared with worker processes already; the tests below run here")
    env = dict(os.environ, SQLITE_TEST_PATH=str(tmp_path / "worker-recovery.sqlite3"))
    child = subprocess.run(
        # Only the worker-process tests: the others have just run here on the memory database.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", " or ".join(SHARED)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=170,
    )
    assert child.returncode == 0, child.stdout[-4000:] + child.stderr[-2000:]
    assert f"{len(SHARED)} passed" in child.stdout, child.stdout[-2000:]


@needs_shared_database
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_it_failed_and_a_retry_lands_it_whole(team, source, worker_backend):
    data = _ris(BIG_FILE_RECORDS, "crash")
    record_import = _queued(team, source, data, "big.ris")
    worker = _start_worker()
    try:
        _wait_for(lambda: _status(record_import) == ImportStatus.RUNNING, timeout=30, what="the claim")
        from review.services.imports import import_progress

        # Mid-import: the parser is past its first batches, the transaction is open.
        _wait_for(lambda: import_progress(record_import)[0] > 0, timeout=30, what="progress")
        os.kill(worker.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        worker.wait(timeout=10)
    finally:
        _stop(worker)
    assert _status(record_import) == ImportStatus.RUNNING  # what a dead worker leaves behind

    # A worker started after the crash recovers it, with no human involved.
    recovering = _start_worker()
    try:
        _wait_for(lambda: _status(record_import) == ImportStatus.FAILED, timeout=LEASE_SECONDS + 12,
                  what="recovery")
        recovered_after = time.monotonic() - killed_at
        record_import.refresh_from_db()
        assert record_import.error == WORKER_STOPPED
        assert Record.objects.filter(record_import=record_import).count() == 0
        assert AuditEvent.objects.filter(action="import.abandoned", object_id=str(record_import.pk)).count() == 1
        # Bound: the lease, one sweep interval (half a lease) and the new worker's start-up.
        assert recovered_after < LEASE_SECONDS * 1.5 + 10

        import_retry(record_import=record_import, actor=team.lead)
        _wait_for(lambda: _status(record_import) == ImportStatus.DONE, timeout=60, what="the retried import")
    finally:
        _stop(recovering)
    record_import.refresh_from_db()
    assert record_import.record_count == BIG_FILE_RECORDS
    assert Record.objects.filter(record_import=record_import).count() == BIG_FILE_RECORDS
    assert AuditEvent.objects.filter(action="import.retried", object_id=str(record_import.pk)).count() == 1
    assert AuditEvent.objects.filter(action="import.completed", object_id=str(record_import.pk)).count() == 1


@needs_shared_database
@pytest.mark.django_db(transaction=True)
def test_two_workers_handed_one_import_twice_run_it_once(team, source, worker_backend):
    from review.tasks import run_import

    n = 1000
    record_import = _queued(team, source, _ris(n, "twice"), "twice.ris")
    # As if the task library handed the import out twice: a second task for the same import.
    run_import.enqueue(record_import.pk)
    workers = [_start_worker("--batch"), _start_worker("--batch")]
    try:
        for worker in workers:
            assert worker.wait(timeout=60) == 0, worker.stderr.read().decode()[-2000:]
    finally:
        for worker in workers:
            _stop(worker)
    from django_tasks_db.models import DBTaskResult

    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL", "SUCCESSFUL"]
    record_import.refresh_from_db()
    assert record_import.status == ImportStatus.DONE and record_import.attempts == 1
    assert Record.objects.filter(record_import=record_import).count() == n
    assert AuditEvent.objects.filter(action="import.completed", object_id=str(record_import.pk)).count() == 1


@needs_shared_database
@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_column_map_queues_one_task(team, source, worker_backend, client):
    from django_tasks_db.models import DBTaskResult

    data = b"Title,Year\nA trial of IVIg,2020\nAnother trial,2021\n"
    client.force_login(team.lead)
    response = client.post(f"/reviews/{team.review.slug}/imports/new/", {"source": source.pk, "file": _upload(data)})
    record_import = RecordImport.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/imports/{record_import.pk}/columns/")
    mapping = {"title": "Title", "year": "Year"}
    url = f"/reviews/{team.review.slug}/imports/{record_import.pk}/columns/"
    errors = race([lambda: _post_as(team.lead, url, mapping), lambda: _post_as(team.lead, url, mapping)])
    assert errors == []
    assert DBTaskResult.objects.count() == 1
    assert client.post(url, mapping).status_code == 302
    assert DBTaskResult.objects.count() == 1


def _upload(data: bytes, name: str = "records.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def _post_as(user, url, data):
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.post(url, data)
    assert response.status_code == 302, response.status_code


@needs_shared_database
@pytest.mark.django_db(transaction=True)
def test_one_file_uploaded_twice_at_once_lands_once_and_the_other_is_told(team, source, worker_backend):
    data = _ris(50, "twin")
    refusals = race([
        lambda: import_create(review=team.review, source=source, filename="twin.ris", data=data, actor=team.lead),
        lambda: import_create(review=team.review, source=source, filename="twin.ris", data=data, actor=team.lead),
    ])
    assert RecordImport.objects.count() == 1
    [refusal] = refusals
    assert isinstance(refusal, ValidationError)
    kept = RecordImport.objects.get()
    assert refusal.messages == [
        ALREADY_IMPORTED.format(filename="twin.ris", source=source, date=f"{kept.created_at:%Y-%m-%d}")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_second_upload_before_the_worker_runs_says_already_imported(team, source, worker_backend, client):
    data = _ris(5, "again")
    client.force_login(team.lead)
    url = f"/reviews/{team.review.slug}/imports/new/"
    assert client.post(url, {"source": source.pk, "file": _upload(data, "again.ris")}).status_code == 302
    response = client.post(url, {"source": source.pk, "file": _upload(data, "again.ris")})
    kept = RecordImport.objects.get()
    assert kept.status == ImportStatus.PENDING
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        ALREADY_IMPORTED.format(filename="again.ris", source=source, date=f"{kept.created_at:%Y-%m-%d}")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_waiting_import_is_cancelled_and_its_task_then_does_nothing(team, source, worker_backend, client):
    from review.tasks import run_import

    record_import = _queued(team, source, _ris(5, "cancel"), "cancel.ris")
    client.force_login(team.lead)
    response = client.post(f"/reviews/{team.review.slug}/imports/{record_import.pk}/cancel/")
    assert response.status_code == 302
    record_import.refresh_from_db()
    assert record_import.status == ImportStatus.CANCELLED and not record_import.upload
    assert AuditEvent.objects.filter(action="import.cancelled", object_id=str(record_import.pk)).count() == 1
    run_import.call(record_import.pk)
    record_import.refresh_from_db()
    assert record_import.status == ImportStatus.CANCELLED and record_import.attempts == 0
    assert Record.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_running_import_cannot_be_cancelled_and_a_reviewer_cannot_cancel(team, source, worker_backend, client):
    from review.import_jobs import import_claim

    record_import = _queued(team, source, _ris(5, "busy"), "busy.ris")
    client.force_login(team.rev1)
    assert client.post(f"/reviews/{team.review.slug}/imports/{record_import.pk}/cancel/").status_code == 403
    import_claim(record_import=record_import)
    with pytest.raises(ValidationError) as exc:
        import_cancel(record_import=record_import, actor=team.lead)
    assert exc.value.messages == [CANCEL_TOO_LATE]
    assert _status(record_import) == ImportStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_a_refused_file_is_not_kept_so_retry_asks_for_it_again(team, source, worker_backend):
    from review.services.imports import import_run

    record_import = import_create(
        review=team.review, source=source, filename="broken.ris", data=b"neither RIS nor anything else\n", actor=team.lead
    )
    import_run(record_import=record_import)
    assert _status(record_import) == ImportStatus.FAILED
    with pytest.raises(ValidationError) as exc:
        import_retry(record_import=record_import, actor=team.lead)
    assert exc.value.messages == [UPLOAD_AGAIN]
