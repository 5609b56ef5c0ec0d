"""Bytes to text: BOMs, UTF-16, the cp1252/Latin-1 fallback, binary refusal, newlines.

The line-based formats (RIS, MEDLINE, WoS) are split on bytes and each record decoded on
its own: a 200 MB file then never exists as one str next to its records, and one record
with a non-Latin-1 character does not double the size of the whole text.
"""

from __future__ import annotations

import codecs
import re

from .errors import ImportFileError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Archives and programs; documents and pictures are named earlier (not_exports.py).
_BINARY_MAGIC = (
    (b"7z\xbc\xaf", "the file is a 7-Zip archive: upload the export itself, or a .zip/.gz"),
    (b"Rar!", "the file is a RAR archive: upload the export itself, or a .zip/.gz"),
    (b"BZh", "the file is a bzip2 archive: upload the export itself, or a .zip/.gz"),
    (b"\x7fELF", "the file is a program, not a citation export"),
)
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_NOT_SPACE = re.compile(rb"[^\s]")
_WINDOW = 8 * 1024 * 1024
SAMPLE = 256 * 1024

ERR_EMPTY = "the file is empty"
ERR_NUL = "the file contains NUL bytes: it is binary, not a text export"
ERR_BINARY = "the file looks binary, not like a text export"


def _bom(data: bytes) -> tuple[str, int] | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def _guess_bomless_utf16(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    # ASCII-heavy UTF-16 has a NUL in every other byte.
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _first_invalid_utf8(data: bytes, start: int = 0) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None.

    Checked in windows cut after a newline byte, which never sits inside a UTF-8 sequence,
    so no window ever holds more than a few MB of decoded text.
    """
    while start < len(data):
        end = len(data)
        if end - start > _WINDOW:
            end = data.rfind(b"\n", start, start + _WINDOW) + 1 or start + _WINDOW
        try:
            data[start:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            return start + exc.start
        start = end
    return None


def sniff(data: bytes) -> tuple[str, int]:
    """(encoding, length of the BOM to skip), or ImportFileError for binary or empty data."""
    # A search, not data.strip(): stripping a 200 MB upload would copy it.
    if not _NOT_SPACE.search(data):
        raise ImportFileError(ERR_EMPTY)
    for magic, reason in _BINARY_MAGIC:
        if data.startswith(magic):
            raise ImportFileError(reason)
    bom = _bom(data)
    if bom:
        if bom[0] == "utf-8":
            bad = _first_invalid_utf8(data, bom[1])
            if bad is not None:
                raise ImportFileError(
                    f"the file starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                    f"(byte {bad})"
                )
        return bom
    utf16 = _guess_bomless_utf16(data)
    if utf16:
        return utf16, 0
    if b"\x00" in data:
        raise ImportFileError(ERR_NUL)
    if _first_invalid_utf8(data) is None:
        return "utf-8", 0
    # Exports from older Windows tools are cp1252; its five undefined bytes only occur in
    # Latin-1 text, which is the last resort and never fails.
    if any(byte in data for byte in _CP1252_UNDEFINED):
        return "latin-1", 0
    return "cp1252", 0


def decode_chunk(chunk: bytes, encoding: str) -> str:
    text = chunk.decode(encoding)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _checked_text(text: str) -> str:
    if "\x00" in text:
        raise ImportFileError(ERR_NUL)
    sample = text[:8192]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f\v")
    if controls > max(8, len(sample) // 100):
        raise ImportFileError(ERR_BINARY)
    if not text or text.isspace():
        raise ImportFileError(ERR_EMPTY)
    return text


def _decode_all(data: bytes, encoding: str, skip: int) -> str:
    try:
        return data[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"the file is not valid {encoding} (byte {exc.start + skip})"
        ) from None


def decode(data: bytes) -> tuple[str, str]:
    """Return (whole text with "\\n" newlines and no BOM, encoding name)."""
    encoding, skip = sniff(data)
    text = _decode_all(data, encoding, skip)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _checked_text(text.removeprefix("\ufeff")), encoding


def sample_text(data: bytes, encoding: str, skip: int) -> str:
    """The start of the file as text, for format detection."""
    if not encoding.startswith(("utf-16", "utf-32")):
        # Leading blank lines must not fill the whole sample.
        first = _NOT_SPACE.search(data, skip)
        skip = first.start() if first else skip
    head = data[skip : skip + SAMPLE]
    text = head.decode(encoding, errors="ignore")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _checked_text(text.removeprefix("\ufeff"))


def ascii_compatible(data: bytes, encoding: str, skip: int) -> tuple[bytes, str]:
    """Bytes in which b"\\n" is a newline, and the encoding to decode records with.

    Bare CRs become LFs here because record boundaries are found by searching for LF.
    """
    if encoding.startswith(("utf-16", "utf-32")):
        data, encoding = _decode_all(data, encoding, skip).encode("utf-8"), "utf-8"
    elif skip:
        data = data[skip:]
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data, encoding
