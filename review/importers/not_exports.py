"""Files people upload by mistake, named from their content before anything parses them.

A Word document, a slide deck, a PDF or a picture is not a search export; saying which of
them it is, and what to export instead, beats a parser's complaint about zip archives or a
column-mapping page for a table that is not there.
"""

from __future__ import annotations

import io
import zipfile

from .errors import ImportFileError

NOT_AN_EXPORT = (
    "This is {what}, not a search export: export RIS, MEDLINE (.nbib), BibTeX, EndNote XML "
    "or CSV from the database"
)
IN_A_ZIP = "a zip archive of {what}"

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
)
# Compound-file (OLE) documents of Office 97-2003 name their main stream inside.
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_STREAMS = (
    ("WordDocument".encode("utf-16-le"), "a Word document"),
    ("PowerPoint Document".encode("utf-16-le"), "a PowerPoint presentation"),
    ("Workbook".encode("utf-16-le"), "an Excel 97-2003 workbook (.xls; save it as .xlsx or CSV)"),
    ("Book".encode("utf-16-le"), "an Excel 95 workbook (.xls; save it as .xlsx or CSV)"),
)
_ODF = {
    b"application/vnd.oasis.opendocument.text": "an OpenDocument text",
    b"application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation",
    b"application/vnd.oasis.opendocument.graphics": "an OpenDocument drawing",
}
_OFFICE_PARTS = (
    ("word/", "a Word document"),
    ("ppt/", "a PowerPoint presentation"),
    ("visio/", "a Visio drawing"),
)
_HEAD = 64 * 1024


def identify(data: bytes) -> str:
    """What the file is ("a Word document") when it is a known non-export, else ""."""
    head = bytes(data[:_HEAD])
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        return "a WebP image"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head.startswith(_OLE):
        # The stream names sit in the directory, which may lie past the first sector.
        body = bytes(data[: 4 * 1024 * 1024])
        return next((what for name, what in _OLE_STREAMS if name in body), "an Office 97-2003 document")
    if head.startswith(b"PK\x03\x04"):
        return _identify_zip(data)
    return ""


def _identify_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
            names = [i.filename for i in infos]
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].strip()
                return _ODF.get(mimetype, "an OpenDocument file")
            if "[Content_Types].xml" in names:
                return next((what for part, what in _OFFICE_PARTS if any(n.startswith(part) for n in names)), "")
            if len(infos) == 1:
                # A zip of one file: only its first bytes are read, never the whole member.
                with archive.open(infos[0]) as member:
                    inner = identify(member.read(_HEAD))
                return IN_A_ZIP.format(what=inner) if inner else ""
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, NotImplementedError, EOFError):
        return ""  # the importer's own zip checks name a damaged archive
    return ""


def refuse_non_export(data: bytes) -> None:
    what = identify(data)
    if what:
        raise ImportFileError(NOT_AN_EXPORT.format(what=what))
