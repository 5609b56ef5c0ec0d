"""parse_file: bytes of an uploaded export in, normalised records out, or one clear error."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping

from . import bibtex, caps, compressed, endnote_xml, limits, medline, ris, tabular, wos
from .base import Context
from .decoding import ascii_compatible, decode, sample_text, sniff
from .detect import FORMATS, detect_text, is_gzip, is_zip
from .errors import ImportFileError, RecordError, RecordProblem
from .not_exports import refuse_non_export
from .records import ERR_NO_CONTENT, ParsedRecord, ParseResult, has_content

ERR_NO_RECORDS = "no records found in the file"
ERR_ALL_BAD = "no usable records in the file; first problem: {reason}"
ERR_OVERSIZE = "the file is {size} bytes, more than the limit of {limit} bytes"
ERR_FORMAT_KEY = "unknown format {fmt!r}; expected one of: {keys}"

_TEXT_PARSERS = {
    "ris": ris,
    "medline": medline,
    "bibtex": bibtex,
    "endnote_xml": endnote_xml,
    "wos_tagged": wos,
    "csv": tabular,
}

# Formats whose records are found by searching bytes for line-start tags.
_BYTE_SPLIT = frozenset({"ris", "medline", "wos_tagged"})

Progress = Callable[[int, int], None]


def parse_file(
    data: bytes,
    *,
    filename: str,
    format: str | None = None,
    skip_bad: bool = False,
    column_map: dict[str, str] | None = None,
    max_bytes: int = limits.MAX_BYTES,
    max_records: int | None = None,
    field_caps: Mapping[str, int] | None = None,
    progress: Progress | None = None,
) -> ParseResult:
    """Parse one export file; raise ImportFileError naming file, line and record.

    A file holding more than ``max_records`` records raises TooManyRecords while it is
    being split, before the records are built. ``field_caps`` (field -> characters, or
    entries for authors and keywords) cuts longer values; each cut is in ``truncated``.
    """
    stream = iter_file(
        data,
        filename=filename,
        format=format,
        skip_bad=skip_bad,
        column_map=column_map,
        max_bytes=max_bytes,
        max_records=max_records,
        field_caps=field_caps,
        progress=progress,
    )
    records = list(stream)
    return ParseResult(
        format=stream.format,
        records=records,
        skipped=stream.skipped,
        truncated=stream.truncated,
        encoding=stream.encoding,
        source_hint=stream.source_hint,
    )


class RecordStream:
    """The records of one file, converted as they are iterated.

    For an import service that writes in batches: only the input bytes and the current
    batch are in memory, instead of every record at once. Errors arrive during iteration,
    so the caller's transaction must roll back on ImportFileError; a file with no usable
    record raises at the end, as parse_file does.
    """

    def __init__(
        self,
        *,
        format,
        encoding,
        source_hint,
        pending,
        module,
        ctx,
        skip_bad,
        progress,
        field_caps=None,
    ) -> None:
        self.format: str = format
        self.encoding: str = encoding
        self.source_hint: str = source_hint
        self.total: int = len(pending)
        self.skipped: list[RecordProblem] = []
        self.truncated: list[caps.Truncation] = []
        self._field_caps = dict(field_caps or {})
        self._pending = pending
        self._module = module
        self._ctx = ctx
        self._skip_bad = skip_bad
        self._progress = progress

    def __iter__(self) -> Iterator[ParsedRecord]:
        with _one_error_type(self._ctx.filename):
            yield from self._records()

    def _records(self) -> Iterator[ParsedRecord]:
        self.skipped = []  # a second pass starts afresh rather than doubling the list
        self.truncated = []
        field_caps = self._field_caps
        pending, convert, ctx = self._pending, self._module.convert, self._ctx
        total, progress = self.total, self._progress
        produced = 0
        for index in range(total):
            item = pending[index]
            try:
                if item.error:
                    raise RecordError(item.error, line=item.line)
                record = convert(item, ctx)
            except RecordError as exc:
                line = exc.line if exc.line is not None else item.line
                if not self._skip_bad:
                    raise ImportFileError(exc.reason, line=line, record=item.position) from None
                self.skipped.append(RecordProblem(item.position, line, exc.reason))
            else:
                if not has_content(record):
                    # Nothing to screen or to de-duplicate: left out and listed, never fatal.
                    self.skipped.append(RecordProblem(item.position, item.line, ERR_NO_CONTENT))
                    continue
                produced += 1
                if field_caps:
                    record, cuts = caps.cap_fields(record, field_caps)
                    self.truncated.extend(cuts)
                yield record
            if progress is not None and (index + 1) % limits.PROGRESS_EVERY == 0:
                progress(index + 1, total)
        if progress is not None:
            progress(total, total)
        if not produced:
            raise ImportFileError(ERR_ALL_BAD.format(reason=self.skipped[0].reason))


def iter_file(
    data: bytes,
    *,
    filename: str,
    format: str | None = None,
    skip_bad: bool = False,
    column_map: dict[str, str] | None = None,
    max_bytes: int = limits.MAX_BYTES,
    max_records: int | None = None,
    field_caps: Mapping[str, int] | None = None,
    progress: Progress | None = None,
) -> RecordStream:
    """Like parse_file, but the records are converted while the caller iterates."""
    # A wrong cap is the caller's mistake, not the file's: it is raised as it is.
    caps.check_caps(field_caps or {})
    with _one_error_type(filename):
        ctx = Context(filename=filename, column_map=column_map, max_records=max_records)
        fmt, encoding, module, pending = _open(data, format, max_bytes, ctx)
        return RecordStream(
            format=fmt,
            encoding=encoding,
            source_hint=ctx.source_hint,
            pending=pending,
            module=module,
            ctx=ctx,
            skip_bad=skip_bad,
            progress=progress,
            field_caps=field_caps,
        )


@contextlib.contextmanager
def _one_error_type(filename: str):
    """The contract: any bad upload surfaces as ImportFileError naming the file."""
    try:
        yield
    except ImportFileError as exc:
        if not exc.filename:
            exc.filename = filename
        raise
    except (MemoryError, RecursionError) as exc:
        raise ImportFileError(
            f"the file is too complex to read ({type(exc).__name__})", filename=filename
        ) from None
    except Exception as exc:
        raise ImportFileError(
            f"unexpected error while reading the file ({type(exc).__name__}: {exc})",
            filename=filename,
        ) from exc


def _open(data, fmt, max_bytes, ctx):
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImportFileError("the upload is not bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise ImportFileError(ERR_OVERSIZE.format(size=len(data), limit=max_bytes))
    if fmt is not None and fmt not in FORMATS:
        raise ImportFileError(ERR_FORMAT_KEY.format(fmt=fmt, keys=", ".join(FORMATS)))
    refuse_non_export(data)
    if is_gzip(data):
        data = compressed.gunzip(data, max_bytes)
        ctx.notes["compressed"] = "gzip"
        refuse_non_export(data)
        if is_gzip(data) or is_zip(data):
            raise ImportFileError("nested compressed files are not accepted")
    elif is_zip(data) and not compressed.is_xlsx(data):
        _, data = compressed.unzip_single(data, max_bytes)
        ctx.notes["compressed"] = "zip"
        if is_gzip(data) or (is_zip(data) and not compressed.is_xlsx(data)):
            raise ImportFileError("nested compressed files are not accepted")

    if is_zip(data):
        if fmt not in (None, "xlsx"):
            raise ImportFileError(f"the file is a zip/xlsx archive, not {FORMATS[fmt]}")
        pending = tabular.split_xlsx(data, ctx)
        fmt, encoding, module = "xlsx", "xlsx", tabular
    else:
        if fmt == "xlsx":
            raise ImportFileError("the file is not an .xlsx workbook")
        encoding, skip = sniff(data)
        fmt = fmt or detect_text(sample_text(data, encoding, skip))
        module = _TEXT_PARSERS[fmt]
        if fmt in _BYTE_SPLIT:
            data, chunk_encoding = ascii_compatible(data, encoding, skip)
            pending = module.split(data, chunk_encoding, ctx)
        else:
            text, encoding = decode(data)
            del data
            pending = module.split(text, ctx)
            del text
    if not pending:
        raise ImportFileError(ERR_NO_RECORDS)
    # Every splitter counts as it goes; this catches one that cannot (and a future one).
    ctx.count(len(pending))
    return fmt, encoding, module, pending
