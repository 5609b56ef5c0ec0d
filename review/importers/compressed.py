"""Compressed uploads: a .gz, or a .zip holding one export, unpacked under a size cap.

Zip members are read through zipfile, which stops at the size the directory declares, and
the declared sizes are checked first, so a bomb is refused before it is inflated.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from . import limits
from .errors import ImportFileError

ERR_TOO_BIG = "the compressed file expands to more than {limit} bytes"
ERR_BAD_ZIP = "the zip archive is damaged or unreadable"
ERR_ZIP_MEMBERS = "the zip archive must hold exactly one export file (it holds {count})"
ERR_BAD_GZIP = "the gzip file is damaged or truncated"


def is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def gunzip(data: bytes, max_bytes: int) -> bytes:
    cap = min(max_bytes, max(len(data), 1) * limits.MAX_COMPRESSION_RATIO)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, cap + 1)
    except zlib.error:
        raise ImportFileError(ERR_BAD_GZIP) from None
    if len(out) > cap or inflater.unconsumed_tail:
        raise ImportFileError(ERR_TOO_BIG.format(limit=cap))
    if not inflater.eof:
        raise ImportFileError(ERR_BAD_GZIP)
    return out


def unzip_single(data: bytes, max_bytes: int) -> tuple[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileError(ERR_BAD_ZIP) from None
    with archive:
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not info.filename.startswith("__MACOSX/")
        ]
        if len(members) != 1:
            raise ImportFileError(ERR_ZIP_MEMBERS.format(count=len(members)))
        info = members[0]
        cap = min(max_bytes, max(len(data), 1) * limits.MAX_COMPRESSION_RATIO)
        if info.file_size > cap:
            raise ImportFileError(ERR_TOO_BIG.format(limit=cap))
        try:
            with archive.open(info) as member:
                out = member.read(cap + 1)
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            RuntimeError,
            NotImplementedError,
            EOFError,
        ):
            raise ImportFileError(ERR_BAD_ZIP) from None
        if len(out) > cap:
            raise ImportFileError(ERR_TOO_BIG.format(limit=cap))
        return info.filename, out


def check_xlsx_zip(data: bytes) -> None:
    """Refuse an XLSX whose zip directory promises a bomb, before openpyxl inflates it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileError("the workbook is not a valid .xlsx (damaged zip)") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.XLSX_MAX_MEMBERS:
            raise ImportFileError(
                f"the workbook has {len(infos)} parts (limit {limits.XLSX_MAX_MEMBERS})"
            )
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > 1024 * 1024 and (
                info.file_size > limits.XLSX_MAX_RATIO * max(info.compress_size, 1)
            ):
                raise ImportFileError(
                    f"the workbook part {info.filename!r} is compressed more than "
                    f"{limits.XLSX_MAX_RATIO}:1: refused as a possible zip bomb"
                )
        if total > limits.XLSX_MAX_UNCOMPRESSED:
            raise ImportFileError(
                f"the workbook expands to {total} bytes "
                f"(limit {limits.XLSX_MAX_UNCOMPRESSED}): refused as a possible zip bomb"
            )
