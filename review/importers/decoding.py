"""Bytes to text: BOMs, UTF-16, the cp1252/Latin-1 fallback, binary refusal, newlines."""

from __future__ import annotations

import codecs

from .errors import ImportFileError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Signatures of files people upload by mistake; naming them beats "not a citation file".
_BINARY_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office file (.xls/.doc); save it as .xlsx or CSV"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
)

ERR_EMPTY = "the file is empty"
ERR_NUL = "the file contains NUL bytes: it is binary, not a text export"
ERR_BINARY = "the file looks binary, not like a text export"


def sniff_bom(data: bytes) -> tuple[str, int] | None:
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


def decode(data: bytes) -> tuple[str, str]:
    """Return (text with "\\n" newlines and no BOM, encoding name)."""
    if not data or not data.strip():
        raise ImportFileError(ERR_EMPTY)
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic) and not (magic == b"MZ" and data[2:3].isalpha()):
            raise ImportFileError(f"the file is {what}, not a citation export")
    bom = sniff_bom(data)
    if bom:
        encoding, skip = bom
        try:
            text = data[skip:].decode(encoding.replace("-sig", ""))
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"the file starts with a {encoding} byte-order mark but is not valid "
                f"{encoding} (byte {exc.start + skip})"
            ) from None
        encoding = encoding.replace("-sig", "")
    else:
        utf16 = _guess_bomless_utf16(data)
        if utf16:
            try:
                text, encoding = data.decode(utf16), utf16
            except UnicodeDecodeError:
                raise ImportFileError(ERR_NUL) from None
        else:
            if b"\x00" in data:
                raise ImportFileError(ERR_NUL)
            try:
                text, encoding = data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                # Exports from older Windows tools are cp1252; its five undefined bytes
                # only occur in Latin-1 text, so that is the last resort (never fails).
                try:
                    text, encoding = data.decode("cp1252"), "cp1252"
                except UnicodeDecodeError:
                    text, encoding = data.decode("latin-1"), "latin-1"
    if "\x00" in text:
        raise ImportFileError(ERR_NUL)
    if _looks_binary(text):
        raise ImportFileError(ERR_BINARY)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ImportFileError(ERR_EMPTY)
    return text, encoding


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f\v")
    return controls > max(8, len(sample) // 100)
