"""parse_file: bytes of an uploaded export in, normalised records out, or one clear error."""

from __future__ import annotations

from collections.abc import Callable

from . import bibtex, compressed, endnote_xml, limits, medline, ris, tabular, wos
from .base import Context, Pending
from .decoding import ascii_compatible, decode, sample_text, sniff
from .detect import FORMATS, detect_text, is_gzip, is_zip
from .errors import ImportFileError, RecordError, RecordProblem
from .records import ParsedRecord, ParseResult

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
    progress: Progress | None = None,
) -> ParseResult:
    """Parse one export file; raise ImportFileError naming file, line and record."""
    try:
        return _parse(data, filename, format, skip_bad, column_map, max_bytes, progress)
    except ImportFileError as exc:
        if not exc.filename:
            exc.filename = filename
        raise
    except (MemoryError, RecursionError) as exc:
        raise ImportFileError(
            f"the file is too complex to read ({type(exc).__name__})", filename=filename
        ) from None
    except Exception as exc:  # the contract: one exception type for any bad upload
        raise ImportFileError(
            f"unexpected error while reading the file ({type(exc).__name__}: {exc})",
            filename=filename,
        ) from exc


def _parse(data, filename, fmt, skip_bad, column_map, max_bytes, progress) -> ParseResult:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImportFileError("the upload is not bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise ImportFileError(ERR_OVERSIZE.format(size=len(data), limit=max_bytes))
    if fmt is not None and fmt not in FORMATS:
        raise ImportFileError(ERR_FORMAT_KEY.format(fmt=fmt, keys=", ".join(FORMATS)))
    ctx = Context(filename=filename, column_map=column_map)
    if is_gzip(data):
        data = compressed.gunzip(data, max_bytes)
        ctx.notes["compressed"] = "gzip"
        if is_gzip(data) or is_zip(data):
            raise ImportFileError("nested compressed files are not accepted")
    elif is_zip(data) and fmt in (None, "xlsx") and not compressed.is_xlsx(data):
        _, data = compressed.unzip_single(data, max_bytes)
        ctx.notes["compressed"] = "zip"
        if is_gzip(data) or (is_zip(data) and not compressed.is_xlsx(data)):
            raise ImportFileError("nested compressed files are not accepted")

    if is_zip(data):
        if fmt not in (None, "xlsx"):
            raise ImportFileError(f"the file is a zip/xlsx archive, not {FORMATS[fmt]}")
        encoding = "xlsx"
        fmt = "xlsx"
        pending = tabular.split_xlsx(data, ctx)
        module = tabular
    else:
        if fmt == "xlsx":
            raise ImportFileError("the file is not an .xlsx workbook")
        encoding, skip = sniff(data)
        fmt = fmt or detect_text(sample_text(data, encoding, skip))
        module = _TEXT_PARSERS[fmt]
        if fmt in _BYTE_SPLIT:
            data, encoding = ascii_compatible(data, encoding, skip)
            pending = module.split(data, encoding, ctx)
        else:
            text, encoding = decode(data)
            del data
            pending = module.split(text, ctx)
            del text
    if not pending:
        raise ImportFileError(ERR_NO_RECORDS)
    records, skipped = _convert_all(pending, module, ctx, skip_bad, progress)
    return ParseResult(
        format=fmt,
        records=records,
        skipped=skipped,
        encoding=encoding,
        source_hint=ctx.source_hint,
    )


def _convert_all(
    pending: list[Pending], module, ctx: Context, skip_bad: bool, progress: Progress | None
) -> tuple[list[ParsedRecord], list[RecordProblem]]:
    records: list[ParsedRecord] = []
    skipped: list[RecordProblem] = []
    total = len(pending)
    convert = module.convert
    for index, item in enumerate(pending):
        try:
            if item.error:
                raise RecordError(item.error, line=item.line)
            record = convert(item, ctx)
        except RecordError as exc:
            line = exc.line if exc.line is not None else item.line
            if not skip_bad:
                raise ImportFileError(exc.reason, line=line, record=item.position) from None
            skipped.append(RecordProblem(item.position, line, exc.reason))
        else:
            records.append(record)
        pending[index] = None  # let the raw text go with the record, not stay twice
        if progress is not None and (index + 1) % limits.PROGRESS_EVERY == 0:
            progress(index + 1, total)
    if progress is not None:
        progress(total, total)
    if not records:
        raise ImportFileError(ERR_ALL_BAD.format(reason=skipped[0].reason))
    return records, skipped
