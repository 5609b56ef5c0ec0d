"""Background imports that survive a crash: queued once, claimed once, leased, recovered.

A worker claims an import with a conditional UPDATE (waiting -> importing) in its own
transaction, so a second worker handed the same import, or a second task for it, finds it
taken and stops. While the import runs a heartbeat renews its lease. An import whose lease has
run out (its worker was killed, its machine lost) is failed with WORKER_STOPPED and keeps its
stored file for Retry. Its records were being written in the import's one transaction, which
died with the worker, so nothing half-written is left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone

from review.models import RecordImport
from review.models.imports import ImportStatus
from review.services.audit import audit_record

WORKER_STOPPED = "The worker stopped while importing this file; nothing of it was kept. Retry."
CANCEL_TOO_LATE = (
    "This import has already started; it lands whole or not at all, so it cannot be cancelled now."
)
NOT_WAITING = "Only a waiting import can be cancelled; this one is {status}."
NOT_REFUSED = "Only a refused import can be retried; this one is {status}."
UPLOAD_AGAIN = "The file of this import was not kept; upload it again to import it."
NOT_YOURS = "Only the person who uploaded this file or a lead of the review can do this."

logger = logging.getLogger(__name__)


class ImportTaken(Exception):
    """Another worker holds or has finished this import; the caller stops quietly."""


class ImportLost(ImportTaken):
    """This worker's claim was given up (its lease ran out) before it could finish."""


def _now() -> dt.datetime:
    return timezone.now()


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CONCORD_IMPORT_LEASE_SECONDS)


def _heartbeat_path(pk: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "leases" / f"{pk}.alive"


def _touch(pk: int) -> None:
    path = _heartbeat_path(pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def _heartbeat_fresh(pk: int, now: dt.datetime) -> bool:
    try:
        beat = _heartbeat_path(pk).stat().st_mtime
    except OSError:
        return False
    return beat >= (now - _lease()).timestamp()


def _may_manage(record_import: RecordImport, actor) -> None:
    if record_import.created_by_id == actor.pk:
        return
    if not record_import.review.memberships.filter(user=actor, is_lead=True).exists():
        raise PermissionDenied(NOT_YOURS)


def import_enqueue(*, record_import: RecordImport, column_map: dict | None = None) -> bool:
    """Queue the import's task once; a second call (a double-submitted form) queues nothing."""
    fields = {"enqueued_at": _now()}
    if column_map is not None:
        fields["column_map"] = column_map
    queued = RecordImport.objects.filter(
        pk=record_import.pk, status=ImportStatus.PENDING, enqueued_at__isnull=True
    ).update(**fields)
    if queued:
        from review.tasks import run_import

        pk = record_import.pk
        # After commit: the worker must find the row this transaction wrote.
        transaction.on_commit(lambda: run_import.enqueue(pk))
    return bool(queued)


def import_claim(*, record_import: RecordImport) -> int:
    """Take a waiting import for this worker, or raise ImportTaken; returns the attempt number."""
    with transaction.atomic():
        claimed = RecordImport.objects.filter(pk=record_import.pk, status=ImportStatus.PENDING).update(
            status=ImportStatus.RUNNING, attempts=F("attempts") + 1, lease_expires_at=_now() + _lease()
        )
        if not claimed:
            raise ImportTaken(f"import {record_import.pk} is no longer waiting")
        attempt = RecordImport.objects.filter(pk=record_import.pk).values_list("attempts", flat=True).get()
    _touch(record_import.pk)
    record_import.status = ImportStatus.RUNNING
    record_import.attempts = attempt
    return attempt


@contextmanager
def lease_kept(record_import: RecordImport):
    """Renew the lease of a claimed import from a side thread while the block runs.

    The import writes its records in one long transaction, so the renewal cannot come from the
    import's own connection. On PostgreSQL a second connection renews the row. SQLite has one
    writer, and the import holds it, so there the heartbeat file (beside the uploads, which every
    worker already shares) is the proof of life; the recovery sweep reads both.
    """
    pk, attempt = record_import.pk, record_import.attempts
    stop = threading.Event()
    interval = max(settings.CONCORD_IMPORT_LEASE_SECONDS / 4, 0.25)

    def beat() -> None:
        used_database = False
        try:
            while not stop.wait(interval):
                _touch(pk)
                if connection.vendor == "sqlite":
                    continue
                used_database = True
                try:
                    RecordImport.objects.filter(pk=pk, status=ImportStatus.RUNNING, attempts=attempt).update(
                        lease_expires_at=_now() + _lease()
                    )
                except DatabaseError:
                    logger.warning("could not renew the lease of import %s", pk, exc_info=True)
        finally:
            if used_database:
                connections.close_all()

    thread = threading.Thread(target=beat, name=f"import-{pk}-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        _heartbeat_path(pk).unlink(missing_ok=True)


def imports_recover(*, now: dt.datetime | None = None) -> list[int]:
    """Fail every running import whose worker stopped renewing its lease; returns their ids.

    Runs when a worker starts, every half lease inside each worker, at the start of every import
    task, and whenever an import page is read, so no human has to notice a dead worker.
    """
    now = now or _now()
    # No lease at all: an import left running before leases existed.
    expired = Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True)
    candidates = list(
        RecordImport.objects.filter(expired, status=ImportStatus.RUNNING).values_list("pk", "attempts")
    )
    failed = []
    for pk, attempt in candidates:
        if _heartbeat_fresh(pk, now):
            continue
        try:
            with transaction.atomic():
                # The same attempt only: a worker that claimed it again since has a fresh lease.
                stopped = RecordImport.objects.filter(
                    expired, pk=pk, status=ImportStatus.RUNNING, attempts=attempt
                ).update(status=ImportStatus.FAILED, error=WORKER_STOPPED, finished_at=now, lease_expires_at=None)
                if stopped:
                    record_import = RecordImport.objects.select_related("review").get(pk=pk)
                    audit_record(
                        action="import.abandoned",
                        actor=None,
                        review=record_import.review,
                        obj=record_import,
                        new={"filename": record_import.filename, "attempt": attempt, "error": WORKER_STOPPED},
                    )
        except OperationalError:
            # SQLite: another writer holds the database; the next sweep tries again.
            logger.info("import %s: recovery postponed, the database is busy", pk)
            continue
        if stopped:
            logger.warning("import %s: its worker stopped; marked failed for a retry", pk)
            failed.append(pk)
    return failed


def _delete_upload_after_commit(record_import: RecordImport) -> None:
    name, storage = record_import.upload.name, record_import.upload.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def import_cancel(*, record_import: RecordImport, actor) -> None:
    """Cancel a waiting import. A running one is not stopped halfway: it lands whole or not at all."""
    _may_manage(record_import, actor)
    with transaction.atomic():
        # Conditional on "waiting": the worker's claim is the same kind of UPDATE, so one wins.
        cancelled = RecordImport.objects.filter(pk=record_import.pk, status=ImportStatus.PENDING).update(
            status=ImportStatus.CANCELLED, finished_at=_now(), upload=""
        )
        if not cancelled:
            current = RecordImport.objects.get(pk=record_import.pk)
            if current.status == ImportStatus.RUNNING:
                raise ValidationError(CANCEL_TOO_LATE)
            raise ValidationError(NOT_WAITING.format(status=current.get_status_display().lower()))
        audit_record(
            action="import.cancelled",
            actor=actor,
            review=record_import.review,
            obj=record_import,
            old={"status": ImportStatus.PENDING},
            new={"status": ImportStatus.CANCELLED, "filename": record_import.filename},
        )
        _delete_upload_after_commit(record_import)
    record_import.status = ImportStatus.CANCELLED


def import_retry(*, record_import: RecordImport, actor) -> None:
    """Queue a refused import again with its stored file, or tell the user to upload it again."""
    from review.services.imports import already_imported

    _may_manage(record_import, actor)
    with transaction.atomic():
        current = RecordImport.objects.select_for_update().select_related("source").get(pk=record_import.pk)
        if current.status != ImportStatus.FAILED:
            raise ValidationError(NOT_REFUSED.format(status=current.get_status_display().lower()))
        if not current.upload or not current.upload.storage.exists(current.upload.name):
            raise ValidationError(UPLOAD_AGAIN)
        try:
            with transaction.atomic():
                RecordImport.objects.filter(pk=current.pk, status=ImportStatus.FAILED).update(
                    status=ImportStatus.PENDING, error="", finished_at=None, enqueued_at=None,
                    lease_expires_at=None, progress_done=0, progress_total=0, record_count=0, skipped=[],
                )
        except IntegrityError:
            # The same file was uploaded again since and is waiting or imported.
            raise ValidationError(already_imported(current.filename, current.source, current.sha256)) from None
        audit_record(
            action="import.retried",
            actor=actor,
            review=record_import.review,
            obj=current,
            old={"status": ImportStatus.FAILED, "error": current.error},
            new={"status": ImportStatus.PENDING, "filename": current.filename},
        )
        import_enqueue(record_import=current)
    record_import.refresh_from_db()
