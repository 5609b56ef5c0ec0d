"""CSV, TSV and XLSX exports: known layouts mapped automatically, others via column_map."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator

from . import compressed, limits
from . import normalise as norm
from .base import Context, Pending
from .decoding import decode
from .errors import ImportFileError
from .records import ParsedRecord

# Concord field -> header names in the order they are preferred (compared lower-cased).
ALIASES: dict[str, tuple[str, ...]] = {
    "title": (
        "title",
        "document title",
        "item title",
        "article title",
        "ti",
        "t1",
        "primary title",
        "display_name",
    ),
    "abstract": ("abstract", "abstract note", "abstracts", "ab", "n2"),
    "authors": (
        "author full names",
        "authors",
        "author",
        "author names",
        "author/s",
        "af",
        "au",
        "a1",
        "authorships.author.display_name",
        "first_authors",
    ),
    "year": (
        "year",
        "publication year",
        "publication_year",
        "py",
        "pubyear",
        "date published",
        "publication_date",
        "date",
        "y1",
    ),
    "journal": (
        "source title",
        "publication title",
        "journal",
        "journal/book",
        "primary_location.source.display_name",
        "secondary title",
        "so",
        "jo",
        "jf",
        "t2",
    ),
    "volume": ("volume", "journal volume", "vl"),
    "issue": ("issue", "issue number", "journal issue", "number", "is"),
    "pages": ("pages", "page", "pg"),
    "page_start": ("page start", "start page", "start_page", "bp", "sp"),
    "page_end": ("page end", "end page", "ep"),
    "doi": ("doi", "item doi", "di", "do"),
    "pmid": ("pubmed id", "pmid", "pubmedid", "pubmed_id", "ids.pmid", "pm", "extra"),
    "issn": ("issn", "issns", "sn", "ei", "eissn"),
    "keywords": (
        "author keywords",
        "keywords",
        "manual tags",
        "de",
        "kw",
        "index keywords",
        "automatic tags",
        "mesh terms",
        "id",
    ),
    "publication_type": (
        "document type",
        "item type",
        "publication type",
        "type",
        "type_of_reference",
        "content type",
        "dt",
        "ty",
        "pt",
    ),
    "language": ("language of original document", "language", "la"),
    "url": ("url", "link", "source urls", "ur", "pdf link"),
}
FIELDS = tuple(ALIASES)
_KEYWORD_COLUMNS = (
    "author keywords",
    "index keywords",
    "keywords",
    "manual tags",
    "automatic tags",
    "de",
    "kw",
    "emtree medical index terms (major focus)",
    "emtree medical index terms",
    "emtree drug index terms (major focus)",
    "emtree drug index terms",
)
_ACCESSION = ("eid", "ut", "lens id", "key", "accession number", "an", "id", "record_id")

_DATABASES = {
    "scopus": "Scopus",
    "lens": "Lens",
    "embase": "Embase",
    "wos": "Web of Science",
    "openalex": "OpenAlex",
    "ieee": "IEEE Xplore",
    "springer": "SpringerLink",
}

ERR_NO_TITLE = (
    "no title column was recognised; choose which column holds each field (columns: {columns})"
)
ERR_MISSING_COLUMN = "column {column!r} (mapped to {field}) is not in the file"
ERR_NO_HEADER = "the file has no header row"


def _key(header: str) -> str:
    return re.sub(r"\s+", " ", header.replace("\ufeff", "")).strip().strip('"').lower()


def _delimiter(first_line: str) -> str:
    counts = {sep: 0 for sep in (",", "\t", ";")}
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] else ","


def _layout(headers: set[str]) -> str:
    if "eid" in headers and "source title" in headers:
        return "scopus"
    if "lens id" in headers:
        return "lens"
    if any(h.startswith("emtree") for h in headers) or "author names" in headers:
        return "embase"
    if {"key", "item type", "publication year"} <= headers:
        return "zotero"
    if {"ut", "pt"} <= headers and ("ti" in headers):
        return "wos"
    if "authorships.author.display_name" in headers:
        return "openalex"
    if "ieee terms" in headers or "document identifier" in headers:
        return "ieee"
    if "item title" in headers and "content type" in headers:
        return "springer"
    if {"ty", "ti"} <= headers or {"ty", "au"} <= headers:
        return "ris_columns"
    if "title" in headers:
        return "generic"
    return ""


def _mapping(headers: list[str], column_map: dict[str, str] | None) -> dict[str, list[int]]:
    """Concord field -> candidate columns, best first (Scopus leaves "Author full names"
    empty on some rows but fills "Authors")."""
    index = {}
    for position, header in enumerate(headers):
        index.setdefault(_key(header), position)
    mapping: dict[str, list[int]] = {}
    for field, aliases in ALIASES.items():
        found = [index[alias] for alias in aliases if alias in index]
        if found:
            mapping[field] = found
    if column_map:
        exact = {header: position for position, header in enumerate(headers)}
        for field, column in column_map.items():
            if not column:
                mapping.pop(field, None)
                continue
            position = exact.get(column, index.get(_key(column)))
            if position is None:
                raise ImportFileError(ERR_MISSING_COLUMN.format(column=column, field=field))
            mapping[field] = [position]
    if "title" not in mapping:
        shown = ", ".join(repr(h) for h in headers[:30])
        raise ImportFileError(ERR_NO_TITLE.format(columns=shown))
    return mapping


def _prepare(headers: list[str], ctx: Context) -> None:
    keys = [_key(h) for h in headers]
    ctx.source_hint = _layout(set(keys))
    ctx.notes["headers"] = headers
    ctx.notes["mapping"] = _mapping(headers, ctx.column_map)
    keyword_names = _KEYWORD_COLUMNS + (("id",) if ctx.source_hint == "wos" else ())
    ctx.notes["keyword_columns"] = [keys.index(k) for k in keyword_names if k in keys]
    ctx.notes["accession"] = next((keys.index(k) for k in _ACCESSION if k in keys), None)
    label_names = ("label_included", "included", "label", "final_decision", "decision")
    ctx.notes["label"] = next((keys.index(k) for k in label_names if k in keys), None)


def split(text: str, ctx: Context) -> list[Pending]:
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), "")
    delimiter = _delimiter(first)
    ctx.notes["delimiter"] = delimiter
    limit = csv.field_size_limit()
    if limit < limits.MAX_FIELD_CHARS:
        csv.field_size_limit(limits.MAX_FIELD_CHARS)
    # Each line keeps its newline, or a quoted cell spanning lines would lose its breaks.
    reader = csv.reader((line + "\n" for line in lines), delimiter=delimiter)
    headers: list[str] | None = None
    pending: list[Pending] = []
    previous = 0
    try:
        for row in reader:
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if headers is None:
                headers = [cell.strip() for cell in row]
                _prepare(headers, ctx)
                continue
            ctx.count(len(pending) + 1)
            raw = "\n".join(lines[start - 1 : reader.line_num])
            pending.append(Pending(len(pending) + 1, start, raw, data=row))
    except csv.Error as exc:
        raise ImportFileError(f"the CSV is malformed ({exc})", line=reader.line_num) from None
    if headers is None:
        raise ImportFileError(ERR_NO_HEADER)
    return pending


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def split_xlsx(data: bytes, ctx: Context) -> list[Pending]:
    compressed.check_xlsx_zip(data)
    rows = _xlsx_rows(data)
    pending: list[Pending] = []
    headers: list[str] | None = None
    for row_number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if headers is None:
            headers = [cell.strip() for cell in row]
            _prepare(headers, ctx)
            continue
        ctx.count(len(pending) + 1)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(row)
        pending.append(Pending(len(pending) + 1, row_number, buffer.getvalue(), data=row))
    if headers is None:
        raise ImportFileError(ERR_NO_HEADER)
    return pending


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Rows as the sheet is read, so a caller that stops (the header, the record cap)
    never has openpyxl build the rest: a 41 MB workbook holds four million rows."""
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell(value) for value in values]
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise ImportFileError(
            f"the workbook could not be read ({type(exc).__name__}: {exc})"
        ) from None


def csv_headers(data: bytes, *, filename: str = "") -> list[str]:
    """The header row of a CSV/TSV/XLSX file, for the column-mapping step."""
    try:
        if data[:4] == b"PK\x03\x04":
            compressed.check_xlsx_zip(data)
            for _, row in _xlsx_rows(data):
                if any(cell.strip() for cell in row):
                    return [cell.strip() for cell in row]
            raise ImportFileError(ERR_NO_HEADER)
        text, _ = decode(data)
        lines = text.split("\n")
        first = next((line for line in lines if line.strip()), "")
        reader = csv.reader((line + "\n" for line in lines), delimiter=_delimiter(first))
        for row in reader:
            if any(cell.strip() for cell in row):
                return [cell.strip() for cell in row]
        raise ImportFileError(ERR_NO_HEADER)
    except ImportFileError as exc:
        exc.filename = exc.filename or filename
        raise
    except csv.Error as exc:
        raise ImportFileError(f"the CSV is malformed ({exc})", filename=filename) from None


_SCOPUS_IDS = re.compile(r"\s*\(\d+\)")
# "Annals of X (2016) 75:Suppl 2 (1102-1103). Date of Publication: 2016"
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.+?) \((?P<year>\d{4})\)(?: (?P<volume>[^:(]+?)(?::(?P<issue>[^(]+?))?)?"
    r"(?: \((?P<pages>[^)]*)\))?(?:\.|$)"
)


def convert(item: Pending, ctx: Context) -> ParsedRecord:
    row: list[str] = item.data
    mapping: dict[str, int] = ctx.notes["mapping"]

    def get(field: str) -> str:
        for position in mapping.get(field, ()):
            if position < len(row):
                value = row[position].strip()
                if value:
                    return value
        return ""

    def get_all(field: str) -> list[str]:
        return [row[p] for p in mapping.get(field, ()) if p < len(row) and row[p].strip()]

    title = norm.clean_line(get("title"))
    layout = ctx.source_hint
    authors_cell = get("authors")
    if layout == "scopus":
        authors_cell = _SCOPUS_IDS.sub("", authors_cell)
    journal, volume, issue, pages = get("journal"), get("volume"), get("issue"), get("pages")
    year_text = get("year")
    extra: dict = {}
    if layout == "embase" and "journal" not in mapping:
        match = _EMBASE_SOURCE.match(_cell_by_name(row, ctx, "source"))
        if match:
            journal = match.group("journal")
            year_text = year_text or match.group("year")
            volume = volume or (match.group("volume") or "")
            issue = issue or (match.group("issue") or "")
            pages = pages or (match.group("pages") or "")
    if not pages:
        pages = norm.pages(get("page_start"), get("page_end"))
    keywords: list[str] = []
    split_keywords = norm.split_top_level_commas if layout == "embase" else norm.split_keywords
    for position in ctx.notes["keyword_columns"]:
        if position < len(row):
            keywords.extend(split_keywords(row[position]))
    if ctx.column_map and ctx.column_map.get("keywords"):
        keywords.extend(norm.split_keywords(get("keywords")))
    accession = ctx.notes["accession"]
    if accession is not None and accession < len(row) and row[accession].strip():
        extra["accession_number"] = row[accession].strip()
    label = ctx.notes["label"]
    if label is not None and label < len(row) and row[label].strip():
        extra["label"] = row[label].strip()
    if layout:
        extra["layout"] = layout
        if layout in _DATABASES:
            extra["database"] = _DATABASES[layout]
    pmid_text = get("pmid")
    doi = norm.doi(get("doi"))
    if not doi and "doi" not in mapping:
        # Embase puts the DOI only inside its OpenURL link.
        link = get("url") or _cell_by_name(row, ctx, "open url link")
        doi = norm.doi(link.split("doi:", 1)[1].split("&", 1)[0]) if "doi:" in link else ""
    return ParsedRecord(
        position=item.position,
        line=item.line,
        title=title,
        abstract=norm.clean_text(get("abstract")),
        authors=norm.authors(norm.split_authors(authors_cell)),
        year=norm.year(year_text),
        journal=norm.clean_line(journal),
        volume=volume,
        issue=issue,
        pages=norm.pages(pages),
        doi=doi,
        pmid=norm.find_pmid(pmid_text),
        issn=norm.issns(*get_all("issn")),
        keywords=norm.keywords(keywords),
        publication_type=norm.publication_type(get("publication_type")),
        language=get("language"),
        url=get("url"),
        raw=item.raw,
        extra=extra,
    )


def _cell_by_name(row: list[str], ctx: Context, name: str) -> str:
    for position, header in enumerate(ctx.notes["headers"]):
        if _key(header) == name and position < len(row):
            return row[position]
    return ""
