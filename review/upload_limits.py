"""Bounds on what one import may bring in: bytes while the upload streams, then records.

The byte cap is enforced by an upload handler that counts the file's bytes as Django writes
them to a temporary file, so an oversized upload is stopped at the cap instead of being
stored and measured afterwards. The record cap and the field caps are applied by the
importers (review/importers) while they split and convert the file; this module words the
refusals the user reads.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from review.importers import ImportFileError, TooManyRecords

FILE_TOO_LARGE = "This file is larger than the {limit} limit (CONCORD_MAX_IMPORT_BYTES)."
TOO_MANY_RECORDS = (
    "{filename} holds more than {limit:,} records, the most one file may hold "
    "(CONCORD_MAX_IMPORT_RECORDS); nothing was imported. Split the file, or raise the setting."
)
FIELD_LABELS = {
    "title": "Title", "abstract": "Abstract", "journal": "Journal", "volume": "Volume",
    "issue": "Issue", "pages": "Pages", "language": "Language", "url": "URL",
    "raw": "Original record text", "authors": "Author list", "keywords": "Keyword list",
}
TRUNCATED_NOTE = "{label} truncated from {length:,} {unit} at import (kept {limit:,})."
TRUNCATED_ON_RECORD = "{label} truncated from {length:,} {unit} at import."

logger = logging.getLogger(__name__)


def size_label(limit: int) -> str:
    mib = 1024 * 1024
    if limit % mib == 0:
        return f"{limit // mib} MiB"
    if limit >= mib:
        return f"{limit / mib:.1f} MiB"
    return f"{limit:,} bytes"


def file_too_large_message(limit: int | None = None) -> str:
    return FILE_TOO_LARGE.format(limit=size_label(settings.CONCORD_MAX_IMPORT_BYTES if limit is None else limit))


class ImportSizeLimitHandler(FileUploadHandler):
    """Counts the bytes of the request's files and stops the upload once they pass the cap.

    The count runs over every file of the request, not each alone: the import form takes one
    file, and ten files of 200 MiB are not one file under the cap.

    Installed first, so the chunk that passes the cap never reaches the memory or
    temporary-file handler behind it; on StopUpload Django closes (and so deletes) the
    temporary file. ``connection_reset`` stays False: Django then reads and discards the rest
    of the body, the request's other fields survive (the CSRF token among them), and the
    browser gets the form with its error instead of a reset connection.
    """

    def __init__(self, request=None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_size_limit(request) -> ImportSizeLimitHandler:
    """Put the byte-cap handler in front of the request's handlers; call before POST is read."""
    handler = ImportSizeLimitHandler(request, limit=settings.CONCORD_MAX_IMPORT_BYTES)
    if hasattr(request, "_files"):
        # Something (a middleware) parsed the body first: the handler would never run, and only
        # import_create's check after the upload was stored would still hold the cap.
        logger.warning("the request body was read before the import view could bound the upload")
    request.upload_handlers.insert(0, handler)
    return handler


def import_error_message(exc: ImportFileError) -> str:
    """The refusal stored on a failed import: the record cap names its setting."""
    if isinstance(exc, TooManyRecords):
        return TOO_MANY_RECORDS.format(filename=exc.filename, limit=exc.limit)
    return str(exc)


def truncation_report(cuts, *, skipped: list[dict]) -> list[dict]:
    """The import's list of cut fields, in the shape of its list of skipped records; a record
    skipped after its cut (an over-long DOI, say) was not imported, so it is not listed."""
    left_out = {problem["record"] for problem in skipped}
    return [
        {"record": cut.position, "line": cut.line, "field": cut.field, "length": cut.length, "limit": cut.limit}
        for cut in cuts
        if cut.position not in left_out
    ]


def _unit(field: str) -> str:
    if field == "authors":
        return "names"
    if field == "keywords":
        return "keywords"
    return "characters"


def truncation_note(entry: dict) -> str:
    """One line of the import report for a field cut at import."""
    field = entry["field"]
    return TRUNCATED_NOTE.format(
        label=FIELD_LABELS.get(field, field), length=entry["length"], unit=_unit(field), limit=entry["limit"]
    )


def record_truncation_notes(truncated_fields: dict) -> list[str]:
    """The notes shown on a record page, one per field cut at import."""
    return [
        TRUNCATED_ON_RECORD.format(label=FIELD_LABELS.get(field, field), length=length, unit=_unit(field))
        for field, length in truncated_fields.items()
    ]
