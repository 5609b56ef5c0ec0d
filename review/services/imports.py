"""Importing search results: a file lands whole or not at all (DESIGN.md invariant 4)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from review.import_jobs import ImportLost, ImportTaken, import_claim, lease_kept
from review.importers import ImportFileError, ParsedRecord, iter_file
from review.importers.not_exports import NOT_AN_EXPORT
from review.importers.not_exports import identify as identify_non_export
from review.models import Record, RecordImport
from review.models.imports import ACTIVE_STATUSES, ImportStatus
from review.models.records import PublicationType
from review.screening.services import stages_sync
from review.services.audit import audit_record
from review.services.duplicates import dedup_run
from review.upload_limits import import_error_message, truncation_report

ALREADY_IMPORTED = "{filename} was already imported into {source} on {date}; it was not imported again."
WRONG_REVIEW = "The search source belongs to another review."
TOO_LARGE = "{filename} is {size:,} bytes; the largest file Concord accepts is {limit:,} bytes."
EMPTY_UPLOAD = "{filename} is empty."

UNEXPECTED = "{filename} could not be read ({error}); nothing was imported. Please report this file."

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
_SHORT_FIELDS = {"doi": 300, "pmid": 20}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _previous_import(source, digest: str) -> RecordImport | None:
    return RecordImport.objects.filter(source=source, sha256=digest, status__in=ACTIVE_STATUSES).first()


def already_imported(filename: str, source, digest: str) -> str:
    previous = _previous_import(source, digest)
    date = f"{previous.created_at:%Y-%m-%d}" if previous else f"{timezone.now():%Y-%m-%d}"
    return ALREADY_IMPORTED.format(filename=filename, source=source, date=date)


@transaction.atomic
def import_create(
    *,
    review,
    source,
    filename: str,
    data: bytes,
    actor,
    format: str | None = None,
    skip_bad: bool = False,
    column_map: dict | None = None,
) -> RecordImport:
    """Keep the upload as a pending import; `import_run` (a background task) parses it."""
    if source.review_id != review.pk:
        raise ValidationError(WRONG_REVIEW)
    limit = settings.CONCORD_MAX_IMPORT_BYTES
    if len(data) > limit:
        raise ValidationError(TOO_LARGE.format(filename=filename, size=len(data), limit=limit))
    if not data:
        raise ValidationError(EMPTY_UPLOAD.format(filename=filename))
    not_an_export = identify_non_export(data)
    if not_an_export:
        # Refused at upload, before a column map or the worker sees it; nothing is kept.
        raise ValidationError(NOT_AN_EXPORT.format(what=not_an_export))
    digest = _sha256(data)
    if _previous_import(source, digest) is not None:
        raise ValidationError(already_imported(filename, source, digest))
    record_import = RecordImport(
        review=review,
        source=source,
        filename=filename[:255],
        sha256=digest,
        size_bytes=len(data),
        requested_format=format or "",
        skip_bad=skip_bad,
        column_map=column_map or {},
        created_by=actor,
    )
    record_import.upload.save(f"{digest[:16]}.upload", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            record_import.save()
    except IntegrityError:
        # The same file uploaded at the same moment landed between the check above and this insert.
        record_import.upload.delete(save=False)
        raise ValidationError(already_imported(filename, source, digest)) from None
    audit_record(
        action="import.requested",
        actor=actor,
        review=review,
        obj=record_import,
        new={"filename": filename, "source": source.name, "sha256": digest, "bytes": len(data)},
    )
    return record_import


# Field order of the INSERT below; every column of Record but the primary key.
_COLUMNS = [
    "review", "record_import", "source", "position", "title", "abstract", "authors", "year",
    "journal", "volume", "issue", "pages", "doi", "pmid", "issn", "keywords", "publication_type",
    "language", "url", "raw", "extra", "truncated_fields", "created_at",
]
_JSON_COLUMNS = {"authors", "keywords", "extra", "truncated_fields"}


def _too_long(parsed: ParsedRecord) -> str:
    for field, limit in _SHORT_FIELDS.items():
        if len(getattr(parsed, field) or "") > limit:
            return f"{field} is longer than {limit} characters"
    return ""


def _row(parsed: ParsedRecord, *, record_import: RecordImport, created_at, adapt_json) -> tuple:
    issn = parsed.issn if isinstance(parsed.issn, str) else "; ".join(parsed.issn or [])
    publication_type = parsed.publication_type
    if publication_type not in PublicationType.values:
        publication_type = PublicationType.OTHER
    year = parsed.year if parsed.year and 0 < parsed.year < 10000 else None
    return (
        record_import.review_id, record_import.pk, record_import.source_id, parsed.position,
        parsed.title or "", parsed.abstract or "", adapt_json(list(parsed.authors or [])), year,
        parsed.journal or "", parsed.volume or "", parsed.issue or "", parsed.pages or "",
        parsed.doi or "", parsed.pmid or "", issn, adapt_json(list(parsed.keywords or [])),
        publication_type, parsed.language or "", parsed.url or "", parsed.raw or "",
        adapt_json(dict(parsed.extra or {})), adapt_json(dict(parsed.truncated)), created_at,
    )


def _insert_records(stream, *, record_import: RecordImport) -> tuple[int, list[dict]]:
    """Insert every record in batches, inside the caller's transaction.

    Plain executemany instead of bulk_create: at 100,000 records the ORM's per-field
    preparation cost three times the insert itself (see docs/benchmarks.md).
    Indexed columns have a length cap; a record over it is bad like any other.
    """
    table = Record._meta.db_table
    fields = [Record._meta.get_field(name) for name in _COLUMNS]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    created_at = fields[-1].get_db_prep_value(timezone.now(), connection)

    def adapt_json(value):
        return connection.ops.adapt_json_value(value, None)

    count, too_long, batch = 0, [], []
    with connection.cursor() as cursor:
        for parsed in stream:
            reason = _too_long(parsed)
            if reason:
                if not record_import.skip_bad:
                    raise ImportFileError(
                        reason, filename=record_import.filename, line=parsed.line, record=parsed.position
                    )
                too_long.append({"record": parsed.position, "line": parsed.line, "reason": reason})
                continue
            batch.append(_row(parsed, record_import=record_import, created_at=created_at, adapt_json=adapt_json))
            if len(batch) >= BATCH_SIZE:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count, too_long


def _progress_path(record_import: RecordImport) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{record_import.pk}.txt"


def _set_progress(record_import: RecordImport, done: int, total: int) -> None:
    # Rows are written inside one long transaction, so the progress bar cannot read them from
    # the database (SQLite would even block the write); a small file beside the uploads can.
    path = _progress_path(record_import)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{done} {total}")
    tmp.replace(path)


def import_progress(record_import: RecordImport) -> tuple[int, int]:
    """(records done, records in the file) of a running import, as the worker last wrote it."""
    try:
        done, total = _progress_path(record_import).read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return record_import.progress_done, record_import.progress_total


def _clear_progress(record_import: RecordImport) -> None:
    _progress_path(record_import).unlink(missing_ok=True)


def _fail(record_import: RecordImport, message: str, actor) -> None:
    with transaction.atomic():
        # Only this worker's own claim: a retry may hold the import (and its file) by now.
        if not RecordImport.objects.filter(
            pk=record_import.pk, status=ImportStatus.RUNNING, attempts=record_import.attempts
        ).update(status=ImportStatus.FAILED, error=message, finished_at=timezone.now(), upload=""):
            raise ImportLost(f"import {record_import.pk} was given up before it failed")
        audit_record(
            action="import.refused",
            actor=actor,
            review=record_import.review,
            obj=record_import,
            new={"filename": record_import.filename, "error": message},
        )
    # A refused file is not kept: only the refusal (name, hash, reason) stays on record.
    record_import.upload.delete(save=False)
    record_import.status = ImportStatus.FAILED
    record_import.error = message


def import_run(
    *,
    record_import: RecordImport,
    progress: Callable[[int, int], None] | None = None,
    data: bytes | None = None,
) -> RecordImport:
    """Parse the stored upload and write every record in one transaction, or none.

    Records stream from the parser in batches, so memory holds the file and one batch,
    not every record at once. Raises ImportTaken when another worker has the import.
    """
    import_claim(record_import=record_import)
    with lease_kept(record_import):
        return _run_claimed(record_import=record_import, progress=progress, data=data)


def _run_claimed(*, record_import: RecordImport, progress, data: bytes | None) -> RecordImport:
    actor = record_import.created_by
    if data is None:
        with record_import.upload.open("rb") as handle:
            data = handle.read()

    last_reported = [0]

    def on_progress(done: int, total: int) -> None:
        # Throttled: a write per ~2% keeps the progress bar live without slowing the import.
        if total and (done - last_reported[0]) * 50 >= total or done == total:
            last_reported[0] = done
            _set_progress(record_import, done, total)
        if progress is not None:
            progress(done, total)

    try:
        stream = iter_file(
            data,
            filename=record_import.filename,
            format=record_import.requested_format or None,
            skip_bad=record_import.skip_bad,
            column_map=record_import.column_map or None,
            max_bytes=settings.CONCORD_MAX_IMPORT_BYTES,
            max_records=settings.CONCORD_MAX_IMPORT_RECORDS,
            field_caps=settings.CONCORD_IMPORT_FIELD_CAPS,
            progress=on_progress,
        )
        with transaction.atomic():
            count, too_long = _insert_records(stream, record_import=record_import)
            skipped = [
                {"record": problem.position, "line": problem.line, "reason": problem.reason}
                for problem in stream.skipped
            ] + too_long
            _mark_done(record_import, stream, sorted(skipped, key=lambda p: p["record"]), count, actor)
    except ImportTaken:
        raise
    except ImportFileError as exc:
        _fail(record_import, import_error_message(exc), actor)
        return record_import
    except Exception as exc:
        # A parser bug must not leave the import hanging as "running" forever.
        logger.exception("import %s failed unexpectedly", record_import.pk)
        _fail(record_import, UNEXPECTED.format(filename=record_import.filename, error=type(exc).__name__), actor)
        return record_import
    finally:
        _clear_progress(record_import)
    # The parsed records now live in the database; the stored upload has done its job.
    record_import.upload.delete(save=False)
    RecordImport.objects.filter(pk=record_import.pk).update(upload="")
    record_import.refresh_from_db()
    return record_import


def _mark_done(record_import: RecordImport, result, skipped: list, count: int, actor) -> None:
    truncated = truncation_report(result.truncated, skipped=skipped)
    # Fenced by the attempt: a worker whose lease was given up rolls its records back here.
    landed = RecordImport.objects.filter(
        pk=record_import.pk, status=ImportStatus.RUNNING, attempts=record_import.attempts
    ).update(
        status=ImportStatus.DONE,
        format=result.format,
        encoding=result.encoding or "",
        record_count=count,
        skipped=skipped,
        truncated=truncated,
        progress_done=count,
        progress_total=count,
        finished_at=timezone.now(),
        error="",
        lease_expires_at=None,
    )
    if not landed:
        raise ImportLost(f"import {record_import.pk} was given up before it landed")
    audit_record(
        action="import.completed",
        actor=actor,
        review=record_import.review,
        obj=record_import,
        new={
            "filename": record_import.filename,
            "source": record_import.source.name,
            "format": result.format,
            "records": count,
            "skipped": len(skipped),
            "truncated": len(truncated),
            "sha256": record_import.sha256,
        },
    )


def import_then_dedup(
    *,
    record_import: RecordImport,
    progress: Callable[[int, int], None] | None = None,
    data: bytes | None = None,
) -> RecordImport:
    """Import, then find duplicates within the file and against the review's other records."""
    record_import = import_run(record_import=record_import, progress=progress, data=data)
    if record_import.status == ImportStatus.DONE:
        dedup_run(review=record_import.review, actor=record_import.created_by,
                  new_records=record_import.records.all())
        # New records join the screening queues now rather than when a page next looks.
        stages_sync(review=record_import.review)
    return record_import


def import_records(
    *,
    review,
    source,
    filename: str,
    data: bytes,
    actor,
    format: str | None = None,
    skip_bad: bool = False,
    column_map: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
    dedup: bool = True,
) -> RecordImport:
    """Create and run an import at once (management command, tests, demo)."""
    record_import = import_create(
        review=review, source=source, filename=filename, data=data, actor=actor,
        format=format, skip_bad=skip_bad, column_map=column_map,
    )
    run = import_then_dedup if dedup else import_run
    # The caller's bytes are the stored upload's: passing them on saves reading it back.
    return run(record_import=record_import, progress=progress, data=data)
