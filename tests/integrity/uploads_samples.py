"""Small export files of n records in every format family, for the upload-cap tests."""

import gzip
import io
import zipfile

import openpyxl


def ris(n: int, *, title: str = "Trial {i}", abstract: str = "") -> bytes:
    body = "".join(
        f"TY  - JOUR\nTI  - {title.format(i=i)}\n" + (f"AB  - {abstract}\n" if abstract else "") + "PY  - 2020\nER  - \n\n"
        for i in range(1, n + 1)
    )
    return body.encode()


def medline(n: int) -> bytes:
    return "".join(f"PMID- {1000 + i}\nTI  - Trial {i}\nDP  - 2020\n\n" for i in range(1, n + 1)).encode()


def bibtex(n: int) -> bytes:
    return "".join(f"@article{{key{i},\n  title = {{Trial {i}}},\n  year = {{2020}}\n}}\n\n" for i in range(1, n + 1)).encode()


def endnote_xml(n: int, *, broken_after: int | None = None) -> bytes:
    records = "".join(
        f"<record><titles><title>Trial {i}</title></titles><dates><year>2020</year></dates></record>"
        for i in range(1, n + 1)
    )
    text = f'<?xml version="1.0" encoding="UTF-8"?><xml><records>{records}</records></xml>'
    if broken_after is not None:
        # Everything after record `broken_after` is not XML: a parser that reads on fails there.
        cut = text.index(f"<record><titles><title>Trial {broken_after + 1}<")
        text = text[:cut] + "<record><titles><title>&broken"
    return text.encode()


def wos(n: int) -> bytes:
    body = "".join(f"PT J\nTI Trial {i}\nPY 2020\nER\n\n" for i in range(1, n + 1))
    return ("FN Clarivate Analytics Web of Science\nVR 1.0\n" + body + "EF\n").encode()


def csv(n: int, *, title: str = "Trial {i}") -> bytes:
    rows = "".join(f'"{title.format(i=i)}",2020\n' for i in range(1, n + 1))
    return ("Title,Year\n" + rows).encode()


def xlsx(n: int, *, broken_after: int | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Title", "Year"])
    for i in range(1, n + 1):
        sheet.append([f"Trial {i}", 2020])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    return data if broken_after is None else _cut_sheet(data, row=broken_after + 2)


def _cut_sheet(data: bytes, *, row: int) -> bytes:
    """The workbook with its sheet XML ending, unclosed, inside row `row`: readable up to there."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: content.index(f'<row r="{row}"'.encode())] + b'<row r="x"><c r=&'
            target.writestr(info.filename, content)
    return out.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


def zipped(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


# Format family -> (file name, builder of n records).
FAMILIES = {
    "ris": ("search.ris", ris),
    "medline": ("pubmed.nbib", medline),
    "bibtex": ("scopus.bib", bibtex),
    "endnote_xml": ("endnote.xml", endnote_xml),
    "wos_tagged": ("savedrecs.txt", wos),
    "csv": ("export.csv", csv),
    "xlsx": ("export.xlsx", xlsx),
    "ris_gz": ("search.ris.gz", lambda n: gz(ris(n))),
    "csv_zip": ("export.zip", lambda n: zipped("export.csv", csv(n))),
}
