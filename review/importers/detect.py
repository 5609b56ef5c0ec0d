"""Recognise an export's format from its content; file names lie, contents rarely do."""

from __future__ import annotations

import re

from .decoding import sample_text, sniff
from .errors import ImportFileError
from .not_exports import refuse_non_export

FORMATS = {
    "ris": "RIS (EndNote, Zotero, Mendeley, Scopus, Embase, Ovid, EBSCO, ProQuest, WoS)",
    "medline": "PubMed / MEDLINE (.nbib, .txt)",
    "bibtex": "BibTeX (.bib)",
    "endnote_xml": "EndNote XML (EndNote, Zotero, Mendeley)",
    "wos_tagged": "Web of Science plain text / CIW",
    "csv": "CSV / TSV (Scopus, WoS, Embase, Zotero, Lens, or mapped columns)",
    "xlsx": "Excel workbook (.xlsx)",
}

ERR_UNKNOWN = (
    "the format could not be recognised: expected RIS, PubMed/MEDLINE, BibTeX, EndNote XML, "
    "Web of Science, CSV/TSV or XLSX"
)

_SAMPLE = 256 * 1024
_RIS = re.compile(r"^TY {1,2}-", re.MULTILINE)
_MEDLINE = re.compile(r"^PMID-", re.MULTILINE)
_WOS_HEADER = re.compile(r"\A\s*(?:FN |VR )")
_WOS_RECORD = re.compile(r"^PT [A-Z]\b", re.MULTILINE)
_WOS_END = re.compile(r"^ER\s*$", re.MULTILINE)
_BIBTEX = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_XML = re.compile(r"\A\s*<(?:\?xml|xml|records|!DOCTYPE)", re.IGNORECASE)


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def is_gzip(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b"


def detect_format(content: str | bytes) -> str:
    """Return a key of FORMATS, or raise ImportFileError when nothing fits."""
    if isinstance(content, bytes | bytearray):
        refuse_non_export(content)
        if is_zip(content):
            return "xlsx"
        if is_gzip(content):
            raise ImportFileError("a gzip file: parse_file unpacks it before detection")
        data = bytes(content)
        encoding, skip = sniff(data)
        text = sample_text(data, encoding, skip)
    else:
        text = content[:_SAMPLE]
    return detect_text(text)


def detect_text(text: str) -> str:
    sample = text[:_SAMPLE].lstrip("\ufeff")
    if _XML.match(sample):
        return "endnote_xml"
    if _WOS_HEADER.match(sample) or (_WOS_RECORD.search(sample) and _WOS_END.search(sample)):
        return "wos_tagged"
    ris = _RIS.search(sample)
    medline = _MEDLINE.search(sample)
    if ris and medline:
        return "ris" if ris.start() < medline.start() else "medline"
    if ris:
        return "ris"
    if medline:
        return "medline"
    bibtex = _BIBTEX.search(sample)
    if bibtex and not sample[: bibtex.start()].strip(" \t\n%"):
        return "bibtex"
    if _looks_tabular(sample):
        return "csv"
    if bibtex:
        return "bibtex"
    raise ImportFileError(ERR_UNKNOWN)


def _looks_tabular(sample: str) -> bool:
    """A header row with a delimiter that the next row repeats, or a header naming a
    column Concord knows (a header-only file is still a CSV, just an empty one)."""
    lines = [line for line in sample.split("\n") if line.strip()]
    if not lines:
        return False
    first = lines[0]
    for separator in ("\t", ";", ","):
        if separator in first:
            if len(lines) > 1 and separator in lines[1]:
                return True
            cells = {cell.strip().strip('"').lower() for cell in first.split(separator)}
            if cells & _KNOWN_HEADERS:
                return True
    return False


_KNOWN_HEADERS = frozenset(
    {
        "title",
        "abstract",
        "authors",
        "author",
        "doi",
        "year",
        "document title",
        "item title",
        "article title",
        "ti",
        "ab",
    }
)
