"""Hostile and broken uploads: each one is refused with a clear ImportFileError or parsed
safely; no other exception type ever escapes parse_file."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from review.importers import ImportFileError, ParseResult, parse_file

RIS_RECORD = (
    "TY  - JOUR\nTI  - Immunoglobulin in myositis\nAU  - Roy, P.\nPY  - 2020\n"
    "DO  - 10.5555/ok.1\nER  - \n\n"
)
MEDLINE_RECORD = "PMID- 31000001\nTI  - Immunoglobulin in myositis.\nFAU - Roy, Priya\n\n"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
XML_RECORD = (
    '<record><ref-type name="Journal Article">17</ref-type><titles><title>IVIg</title>'
    "</titles></record>"
)


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _xlsx(rows: list[list]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_bomb() -> bytes:
    # A zip dressed as a workbook whose one sheet inflates 1000:1 to 100 MB.
    return _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\0" * (100 * 1024 * 1024),
        }
    )


def _billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 10)
    )
    return (
        f"{XML_HEAD}<!DOCTYPE xml [{entities}]><xml><records><record><titles><title>"
        "&lol9;</title></titles></record></records></xml>"
    ).encode()


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], bytes]
    error: str | None = None  # a phrase the reason must contain; None: must parse
    check: Callable[[ParseResult], bool] | None = None
    options: tuple = ()
    filename: str = "upload.ris"


CASES = [
    Case("empty", lambda: b"", error="empty"),
    Case("whitespace only", lambda: b" \n\r\n\t ", error="empty"),
    Case("utf-8 bom only", lambda: b"\xef\xbb\xbf", error="empty"),
    Case("random binary", lambda: bytes(range(1, 256)) * 64, error="binary"),
    Case("nul bytes in text", lambda: RIS_RECORD.encode().replace(b"Roy", b"R\0y"), error="NUL"),
    Case("pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", error="PDF"),
    Case("png", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 64, error="PNG"),
    Case(
        "legacy xls",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
        error="an Office 97-2003 document, not a search export",
        filename="export.xls",
    ),
    Case(
        "no format",
        lambda: b"Dear reviewer,\nplease find our search attached.\n",
        error="could not be recognised",
    ),
    Case("control characters", lambda: b"\x1b[31m" * 200 + b"TY  - JOUR\n", error="binary"),
    Case(
        "truncated ris",
        lambda: (RIS_RECORD + "TY  - JOUR\nTI  - Cut off in the mi").encode(),
        error="truncated",
    ),
    Case(
        "truncated ris skip_bad",
        lambda: (RIS_RECORD + "TY  - JOUR\nTI  - Cut off in the mi").encode(),
        check=lambda r: (
            len(r.records) == 1
            and r.skipped[0].position == 2
            and "truncated" in r.skipped[0].reason
        ),
        options=(("skip_bad", True),),
    ),
    Case(
        "ris record without er",
        lambda: ("TY  - JOUR\nTI  - A\n" + RIS_RECORD).encode(),
        error="no 'ER' end tag",
    ),
    Case("ris junk only", lambda: b"ER  - \nER  - \nsome words\nTY  - \n", error="truncated"),
    Case(
        "medline pmid not a number",
        lambda: (MEDLINE_RECORD + "PMID- abc\nTI  - Broken.\n").encode(),
        error="'PMID' is not a number: 'abc'",
        filename="pubmed.nbib",
    ),
    Case(
        "wos truncated",
        lambda: b"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI A",
        error="truncated",
        filename="savedrecs.txt",
    ),
    Case(
        "xml truncated",
        lambda: (XML_HEAD + "<xml><records>" + XML_RECORD)[:-20].encode(),
        error="not well-formed",
        filename="lib.xml",
    ),
    Case("xml billion laughs", _billion_laughs, error="DTD", filename="lib.xml"),
    Case(
        "xml external entity",
        lambda: (
            f'{XML_HEAD}<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<xml><records><record><titles><title>&x;</title></titles></record>"
            "</records></xml>"
        ).encode(),
        error="DTD",
        filename="lib.xml",
    ),
    Case(
        "xml external dtd",
        lambda: (
            f'{XML_HEAD}<!DOCTYPE xml SYSTEM "http://example.org/evil.dtd">'
            f"<xml><records>{XML_RECORD}</records></xml>"
        ).encode(),
        error="DTD",
        filename="lib.xml",
    ),
    Case(
        "xml deeply nested",
        lambda: (XML_HEAD + "<xml>" + "<a>" * 100_000).encode(),
        error="nested more than",
        filename="lib.xml",
    ),
    Case(
        "xml nested inside a record",
        lambda: (
            XML_HEAD
            + "<xml><records><record>"
            + "<b>" * 200
            + "x"
            + "</b>" * 200
            + "</record></records></xml>"
        ).encode(),
        error="nested more than",
        filename="lib.xml",
    ),
    Case(
        "xml without records",
        lambda: (XML_HEAD + "<xml><records/></xml>").encode(),
        error="no records",
        filename="lib.xml",
    ),
    Case(
        "oversize",
        lambda: RIS_RECORD.encode() * 100,
        error="more than the limit",
        options=(("max_bytes", 1000),),
    ),
    Case(
        "gzip bomb",
        lambda: gzip.compress(b"TY  - JOUR\n" + b" " * (50 * 1024 * 1024)),
        error="expands to more than",
        filename="export.ris.gz",
    ),
    Case(
        "gzip truncated",
        lambda: gzip.compress(RIS_RECORD.encode() * 50)[:-30],
        error="damaged or truncated",
        filename="export.ris.gz",
    ),
    Case(
        "gzip inside gzip",
        lambda: gzip.compress(gzip.compress(RIS_RECORD.encode())),
        error="nested",
        filename="export.gz",
    ),
    Case(
        "gzip with one ris",
        lambda: gzip.compress(RIS_RECORD.encode() * 3),
        check=lambda r: r.format == "ris" and len(r.records) == 3,
        filename="e.ris.gz",
    ),
    Case(
        "zip with one nbib",
        lambda: _zip({"pubmed.nbib": MEDLINE_RECORD.encode() * 2}),
        check=lambda r: r.format == "medline" and len(r.records) == 2,
        filename="e.zip",
    ),
    Case(
        "zip with two files",
        lambda: _zip({"a.ris": b"x", "b.ris": b"y"}),
        error="exactly one export file",
        filename="e.zip",
    ),
    Case(
        "zip bomb",
        lambda: _zip({"big.ris": b"TY  - JOUR\n" + b"a" * (60 * 1024 * 1024)}),
        error="expands to more than",
        filename="e.zip",
    ),
    Case("xlsx zip bomb", _xlsx_bomb, error="zip bomb", filename="export.xlsx"),
    Case(
        "xlsx with too many parts",
        lambda: _zip(
            {"[Content_Types].xml": b"<Types/>", **{f"xl/media/{i}.bin": b"" for i in range(1500)}}
        ),
        error="parts",
        filename="export.xlsx",
    ),
    Case(
        "xlsx without a workbook",
        lambda: _zip({"[Content_Types].xml": b"<Types/>", "xl/styles.xml": b"<x/>"}),
        error="workbook could not be read",
        filename="export.xlsx",
    ),
    Case(
        "damaged zip",
        lambda: _zip({"a.ris": RIS_RECORD.encode() * 40})[:80],
        error="zip",
        filename="e.zip",
    ),
    Case(
        "xlsx with a formula cell",
        lambda: _xlsx(
            [
                ["Title", "Abstract"],
                ["IVIg", '=HYPERLINK("http://x","y")'],
                ["=1+1", "formula in the title"],
            ]
        ),
        check=lambda r: r.format == "xlsx" and r.records[0].title == "IVIg",
        filename="export.xlsx",
    ),
    Case(
        "csv with a formula cell",
        lambda: b'title,abstract\n"=cmd|\' /C calc\'!A0","@SUM(1+1)"\n',
        check=lambda r: (
            r.records[0].title == "=cmd|' /C calc'!A0" and r.records[0].abstract == "@SUM(1+1)"
        ),
        filename="export.csv",
    ),
    Case(
        "csv header only",
        lambda: b"title,abstract,doi\n",
        error="no records",
        filename="export.csv",
    ),
    Case(
        "csv without a title column",
        lambda: b"foo,bar\n1,2\n",
        error="no title column",
        filename="export.csv",
    ),
    Case(
        "csv cell over the field limit",
        lambda: b'title,abstract\nA,"' + b"x" * (11 * 1024 * 1024) + b'"\n',
        error="malformed",
        filename="export.csv",
    ),
    Case(
        "script tags in the abstract",
        lambda: (
            b"TY  - JOUR\nTI  - <b>Bold</b> title\nAB  - <script>alert('x')</script>"
            b"<img src=x onerror=alert(1)>\nER  - \n"
        ),
        check=lambda r: (
            r.records[0].abstract == "<script>alert('x')</script><img src=x onerror=alert(1)>"
            and r.records[0].title == "<b>Bold</b> title"
        ),
    ),
    Case(
        "ten thousand authors",
        lambda: (
            "TY  - JOUR\nTI  - Consortium paper\n"
            + "".join(f"AU  - Author{i}, A.\n" for i in range(10_000))
            + "ER  - \n"
        ).encode(),
        check=lambda r: (
            len(r.records[0].authors) == 10_000 and r.records[0].authors[-1] == "Author9999, A."
        ),
    ),
    Case(
        "extremely long line",
        lambda: ("TY  - JOUR\nTI  - " + "long " * 1_000_000 + "\nER  - \n").encode(),
        check=lambda r: len(r.records[0].title) == 4_999_999,
    ),
    Case(
        "one million blank lines",
        lambda: b"\n" * 1_000_000 + RIS_RECORD.encode(),
        check=lambda r: r.records[0].line == 1_000_001,
    ),
    Case(
        "utf-16 with a broken surrogate",
        lambda: b"\xff\xfe" + "TY  - JOUR\n".encode("utf-16-le") + b"\x00\xd8\x41\x00",
        error="not valid utf-16",
    ),
    Case(
        "utf-8 bom with latin-1 bytes",
        lambda: b"\xef\xbb\xbf" + "TY  - JOUR\nTI  - trait\u00e9e\nER  - \n".encode("latin-1"),
        error="not valid UTF-8 (byte 25)",
    ),
    Case(
        "utf-8 bom with latin-1 bytes in a csv",
        lambda: b"\xef\xbb\xbftitle\nMyosite trait\xe9e\n",
        error="not valid UTF-8",
        filename="export.csv",
    ),
    Case(
        "latin-1 file without a declaration",
        lambda: "TY  - JOUR\nTI  - Myosite traitée\nER  - \n".encode("latin-1"),
        check=lambda r: r.encoding == "cp1252" and r.records[0].title == "Myosite traitée",
    ),
    Case(
        "bibtex unbalanced braces",
        lambda: b"@article{a,\n title = {Unclosed {brace},\n year = {2020}\n",
        error="",
        filename="refs.bib",
    ),
    Case(
        "bibtex deeply nested braces",
        lambda: b"@article{a,\n title = {" + b"{" * 5000 + b"x" + b"}" * 5000 + b"},\n}\n",
        check=lambda r: r.records[0].title == "x",
        filename="refs.bib",
    ),
    Case(
        "forced wrong format",
        lambda: RIS_RECORD.encode(),
        error="no records",
        options=(("format", "medline"),),
    ),
    Case(
        "unknown format key",
        lambda: RIS_RECORD.encode(),
        error="unknown format",
        options=(("format", "docx"),),
    ),
]


def test_there_are_at_least_thirty_hostile_cases():
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_upload_is_refused_clearly_or_parsed_safely(case):
    data = case.make()
    options = dict(case.options)
    if case.error is None:
        result = parse_file(data, filename=case.filename, **options)
        assert case.check is None or case.check(result)
        return
    with pytest.raises(ImportFileError) as caught:
        parse_file(data, filename=case.filename, **options)
    error = caught.value
    assert case.error in error.reason
    assert not error.reason.startswith("unexpected error")
    assert error.filename == case.filename
    assert str(error).startswith(case.filename)


def test_pmid_error_names_file_line_and_record():
    data = (MEDLINE_RECORD * 2 + "PMID- abc\nTI  - Broken.\n").encode()
    with pytest.raises(ImportFileError) as caught:
        parse_file(data, filename="pubmed.nbib")
    assert str(caught.value) == "pubmed.nbib, line 9 (record 3): 'PMID' is not a number: 'abc'"
    assert (caught.value.line, caught.value.record) == (9, 3)


def test_non_bytes_input_is_refused():
    with pytest.raises(ImportFileError, match="not bytes"):
        parse_file("TY  - JOUR\nER  - \n", filename="text.ris")  # type: ignore[arg-type]


def test_zip_is_unpacked_even_when_the_format_is_given():
    archive = _zip({"export.ris": RIS_RECORD.encode()})
    assert parse_file(archive, filename="e.zip", format="ris").records[0].doi == "10.5555/ok.1"
