"""The interface the import service relies on: parse_file's options, detect_format,
csv_headers, FORMATS, errors, encodings and purity."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from review.importers import (
    FORMATS,
    ImportFileError,
    ParsedRecord,
    csv_headers,
    detect_format,
    iter_file,
    parse_file,
)

FILES = Path(__file__).resolve().parent / "files"
REPO_ROOT = Path(__file__).resolve().parents[3]

RIS = (
    "TY  - JOUR\nTI  - Première étude\nAU  - Müller, J.\nPY  - 2020\nER  - \n\n"
    "TY  - JOUR\nTI  - Second study\nPY  - 2021\nER  - \n"
)


def _xlsx(rows) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_formats_lists_every_parser_with_a_label():
    assert list(FORMATS) == ["ris", "medline", "bibtex", "endnote_xml", "wos_tagged", "csv", "xlsx"]
    assert all(isinstance(label, str) and label for label in FORMATS.values())


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("ris_zotero.ris", "ris"),
        ("ris_ovid.ris", "ris"),
        ("ris_endnote.txt", "ris"),
        ("medline.nbib", "medline"),
        ("bibtex_zotero.bib", "bibtex"),
        ("bibtex_scopus.bib", "bibtex"),
        ("endnote.xml", "endnote_xml"),
        ("mendeley.xml", "endnote_xml"),
        ("wos.ciw", "wos_tagged"),
        ("scopus.csv", "csv"),
        ("generic.tsv", "csv"),
        ("wos_tab.txt", "csv"),
        ("cp1252.csv", "csv"),
    ],
)
def test_detect_format_reads_content_as_bytes_or_text(name, fmt):
    data = (FILES / name).read_bytes()
    assert detect_format(data) == fmt
    if name != "cp1252.csv":
        assert detect_format(data.decode("utf-8-sig")) == fmt


def test_detect_format_recognises_xlsx_and_refuses_prose():
    assert detect_format(_xlsx([["Title"], ["IVIg"]])) == "xlsx"
    with pytest.raises(ImportFileError, match="could not be recognised"):
        detect_format(b"Just some words.\nNothing else.\n")


def test_csv_headers_for_csv_tsv_and_xlsx():
    assert csv_headers((FILES / "zotero.csv").read_bytes(), filename="zotero.csv")[:3] == [
        "Key",
        "Item Type",
        "Publication Year",
    ]
    assert csv_headers((FILES / "generic.tsv").read_bytes(), filename="generic.tsv") == [
        "title",
        "abstract",
        "first_authors",
        "publication_year",
    ]
    assert csv_headers(_xlsx([["Headline", "Summary"], ["a", "b"]]), filename="x.xlsx") == [
        "Headline",
        "Summary",
    ]
    with pytest.raises(ImportFileError) as caught:
        csv_headers(b"", filename="empty.csv")
    assert caught.value.filename == "empty.csv"


def test_column_map_overrides_and_validates_columns():
    data = (FILES / "custom_columns.csv").read_bytes()
    with pytest.raises(ImportFileError, match="no title column"):
        parse_file(data, filename="custom.csv")
    with pytest.raises(ImportFileError, match="'Nope' \\(mapped to title\\) is not in the file"):
        parse_file(data, filename="custom.csv", column_map={"title": "Nope"})
    result = parse_file(data, filename="custom.csv", column_map={"title": "Summary"})
    assert result.records[0].title == "What a user typed by hand."


def test_xlsx_known_layout_maps_itself_and_lines_are_sheet_rows():
    data = _xlsx(
        [
            ["Authors", "Title", "Year", "Source title", "DOI", "Abstract", "Document Type", "EID"],
            [None, None, None, None, None, None, None, None],
            [
                "Liu R., Adler D.G.",
                "Duplication cysts",
                2014,
                "Endoscopic Ultrasound",
                "10.4103/2303-9027.138783",
                "Cysts are rare.",
                "Article",
                "2-s2.0-1",
            ],
        ]
    )
    result = parse_file(data, filename="scopus.xlsx")
    (record,) = result.records
    assert (result.format, result.source_hint, result.encoding) == ("xlsx", "scopus", "xlsx")
    assert (record.line, record.year, record.authors, record.doi) == (
        3,
        2014,
        ["Liu, R.", "Adler, D.G."],
        "10.4103/2303-9027.138783",
    )
    assert record.raw.startswith('"Liu R., Adler D.G.",Duplication cysts,2014,')


def test_progress_reports_done_and_total():
    calls = []
    ris = "".join(f"TY  - JOUR\nTI  - Record {i}\nER  - \n" for i in range(2500)).encode()
    parse_file(ris, filename="many.ris", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_skip_bad_reports_the_bad_record_and_keeps_the_rest():
    data = b"PMID- 1\nTI  - One.\n\nPMID- 12x\nTI  - Bad.\n\nPMID- 3\nTI  - Three.\n"
    with pytest.raises(ImportFileError, match="record 2"):
        parse_file(data, filename="p.nbib")
    result = parse_file(data, filename="p.nbib", skip_bad=True)
    assert [r.pmid for r in result.records] == ["1", "3"]
    assert [r.position for r in result.records] == [1, 3]
    (problem,) = result.skipped
    assert (problem.position, problem.line, problem.reason) == (
        2,
        4,
        "'PMID' is not a number: '12x'",
    )


def test_skip_bad_with_nothing_usable_is_still_an_error():
    with pytest.raises(ImportFileError, match="no usable records"):
        parse_file(b"PMID- x\nTI  - Bad.\n", filename="p.nbib", skip_bad=True)


def test_error_without_a_line_names_the_file():
    with pytest.raises(ImportFileError) as caught:
        parse_file(b"", filename="empty.ris")
    assert str(caught.value) == "empty.ris: the file is empty"
    assert (caught.value.line, caught.value.record) == (None, None)


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda t: t.encode("utf-8"), "utf-8"),
        (lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "utf-8"),
        (lambda t: t.encode("utf-16"), "utf-16-le"),
        (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), "utf-16-be"),
        (lambda t: t.encode("utf-16-le"), "utf-16-le"),
        (lambda t: t.encode("cp1252"), "cp1252"),
        (lambda t: t.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
        (lambda t: t.replace("\n", "\r").encode("utf-8"), "utf-8"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16-bom",
        "utf16be-bom",
        "utf16-no-bom",
        "cp1252",
        "crlf",
        "bare-cr",
    ],
)
def test_encodings_and_line_endings_give_the_same_records(encode, encoding):
    result = parse_file(encode(RIS), filename="enc.ris")
    assert result.encoding == encoding
    assert [(r.title, r.authors, r.year, r.line) for r in result.records] == [
        ("Première étude", ["Müller, J."], 2020, 1),
        ("Second study", [], 2021, 7),
    ]
    assert "\r" not in result.records[0].raw


def test_records_are_frozen_and_text_fields_are_never_none():
    record = parse_file(RIS.encode(), filename="a.ris").records[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.title = "changed"  # type: ignore[misc]
    for field in dataclasses.fields(ParsedRecord):
        if field.name not in ("position", "line", "year"):
            assert getattr(record, field.name) is not None


def test_gzip_and_zip_uploads_are_unpacked():
    import gzip
    import zipfile

    assert len(parse_file(gzip.compress(RIS.encode()), filename="a.ris.gz").records) == 2
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export/pubmed.nbib", (FILES / "medline.nbib").read_bytes())
    assert parse_file(buffer.getvalue(), filename="a.zip").format == "medline"


def test_the_package_imports_nothing_from_django():
    code = (
        "import sys, review.importers as m; "
        "m.parse_file(b'TY  - JOUR\\nTI  - A trial\\nER  - \\n', filename='a.ris'); "
        "bad = [n for n in sys.modules if n == 'django' or n.startswith('django.')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    django_import = re.compile(r"^\s*(?:from|import)\s+django\b", re.MULTILINE)
    for path in (REPO_ROOT / "review" / "importers").glob("*.py"):
        assert not django_import.search(path.read_text(encoding="utf-8")), path.name


def test_iter_file_streams_the_same_records_and_reports_errors_while_iterating():
    data = (FILES / "medline.nbib").read_bytes()
    stream = iter_file(data, filename="m.nbib")
    assert (stream.format, stream.total, stream.source_hint) == ("medline", 2, "pubmed")
    assert list(stream) == parse_file(data, filename="m.nbib").records
    broken = iter_file(data + b"\nPMID- zz\nTI  - Bad.\n", filename="m.nbib")
    assert broken.total == 3
    iterator = iter(broken)
    assert next(iterator).pmid == "31000001"
    next(iterator)
    with pytest.raises(ImportFileError, match="record 3"):
        next(iterator)


def test_iter_file_refuses_a_bad_file_before_iteration():
    with pytest.raises(ImportFileError, match="empty"):
        iter_file(b"", filename="e.ris")


def test_csv_cells_spanning_lines_keep_their_line_breaks_and_row_lines():
    data = b'title,abstract\n"First","Line one\nLine two"\n"Second, with ""quotes""",Plain\n'
    first, second = parse_file(data, filename="multi.csv").records
    assert (first.line, first.abstract) == (2, "Line one\nLine two")
    assert (second.line, second.title) == (4, 'Second, with "quotes"')
    assert first.raw == '"First","Line one\nLine two"'


def test_medline_falls_back_to_abbreviated_authors():
    data = b"PMID- 1\nTI  - T.\nAU  - Wu D\nAU  - Roy PK\nAD  - Somewhere.\n"
    (record,) = parse_file(data, filename="p.nbib").records
    assert record.authors == ["Wu, D.", "Roy, P. K."]
