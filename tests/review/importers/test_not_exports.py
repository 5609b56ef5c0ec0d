"""Office documents, PDFs and pictures are named at once, from their content, whatever
the file is called; real exports (the RIS in this folder, an XLSX) are not mistaken."""

import gzip
import io
import zipfile

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.figure import Figure
from openpyxl import Workbook

from review.importers import ImportFileError, detect_format, parse_file
from review.importers.not_exports import NOT_AN_EXPORT, identify


def _zip(parts: dict[str, bytes], *, mimetype: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype is not None:
            archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _ooxml(main: str) -> bytes:
    # The parts every Word or PowerPoint file has: content types, relationships, a main part.
    return _zip({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        main: b'<?xml version="1.0"?><document/>',
        "docProps/core.xml": b'<?xml version="1.0"?><coreProperties/>',
    })


def _ole(stream: str) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000 + stream.encode("utf-16-le") + b"\0" * 64


def _figure(fmt: str) -> bytes:
    figure = Figure()
    figure.subplots().plot([1, 2], [2, 1])
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    return buffer.getvalue()


def _xlsx() -> bytes:
    book = Workbook()
    book.active.append(["Title", "Authors", "Year"])
    book.active.append(["A trial", "Smith J", 2020])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


NOT_EXPORTS = {
    "search.docx": (lambda: _ooxml("word/document.xml"), "a Word document"),
    "slides.pptx": (lambda: _ooxml("ppt/presentation.xml"), "a PowerPoint presentation"),
    "notes.odt": (lambda: _zip({"content.xml": b"<x/>"}, mimetype=b"application/vnd.oasis.opendocument.text"),
                  "an OpenDocument text"),
    "old.doc": (lambda: _ole("WordDocument"), "a Word document"),
    "old.ppt": (lambda: _ole("PowerPoint Document"), "a PowerPoint presentation"),
    "old.xls": (lambda: _ole("Workbook"), "an Excel 97-2003 workbook (.xls; save it as .xlsx or CSV)"),
    "paper.pdf": (lambda: _figure("pdf"), "a PDF document"),
    "flow.png": (lambda: _figure("png"), "a PNG image"),
    "photo.jpg": (lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 100, "a JPEG image"),
    "text.rtf": (lambda: b"{\\rtf1\\ansi Search strategy}", "a Rich Text (RTF) document"),
    "search.zip": (lambda: _zip({"search.docx": _ooxml("word/document.xml")}), "a zip archive of a Word document"),
    "paper.zip": (lambda: _zip({"paper.pdf": _figure("pdf")}), "a zip archive of a PDF document"),
}


@pytest.mark.parametrize("name", NOT_EXPORTS)
def test_a_file_that_is_not_an_export_is_named_whatever_it_is_called(name):
    make, what = NOT_EXPORTS[name]
    data = make()
    assert identify(data) == what
    for filename in (name, "export.ris", "scopus.csv"):
        with pytest.raises(ImportFileError) as caught:
            parse_file(data, filename=filename)
        assert caught.value.reason == NOT_AN_EXPORT.format(what=what)
    with pytest.raises(ImportFileError):
        detect_format(data)


def test_a_gzipped_pdf_is_named_after_unpacking():
    with pytest.raises(ImportFileError) as caught:
        parse_file(gzip.compress(_figure("pdf")), filename="paper.pdf.gz")
    assert caught.value.reason == NOT_AN_EXPORT.format(what="a PDF document")


def test_the_message_says_what_to_export_instead():
    assert NOT_AN_EXPORT.format(what="a Word document") == (
        "This is a Word document, not a search export: export RIS, MEDLINE (.nbib), BibTeX, "
        "EndNote XML or CSV from the database"
    )


def test_real_exports_are_not_mistaken_for_documents():
    ris = b"TY  - JOUR\nTI  - A trial\nER  - \n"
    assert identify(ris) == ""
    assert identify(_xlsx()) == ""
    assert identify(_zip({"export.ris": ris})) == ""
    assert detect_format(_xlsx()) == "xlsx"
    assert parse_file(_zip({"export.ris": ris}), filename="export.zip").records[0].title == "A trial"
