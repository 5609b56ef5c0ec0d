"""CSV, TSV and XLSX exports: known layouts mapped automatically, others via column_map."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator

from . import compressed, limits
from . import normalise as norm
from .base import Context, Pending
from .decoding import sample_text, sniff
from .detect import is_gzip, is_zip
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

# Columns convert() falls back on for an Embase export that has no journal or DOI column.
_EMBASE_SOURCE_COLUMN = "source"
_LINK_COLUMN = "open url link"
# Fields read from all their columns together rather than from the first one filled.
_GATHERED = ("keywords", "issn")
# A preview cell is a glimpse to recognise a column by, not the value.
PREVIEW_CELL_CHARS = 80
PREVIEW_ELLIPSIS = "\u2026"


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


def _keyword_columns(keys: list[str]) -> list[int]:
    """Every column keywords are gathered from (Web of Science's "ID" is Keywords Plus;
    elsewhere an "id" column is an identifier)."""
    names = _KEYWORD_COLUMNS + (("id",) if _layout(set(keys)) == "wos" else ())
    return [keys.index(k) for k in names if k in keys]


def automatic_columns(headers: list[str]) -> dict[str, list[int]]:
    """Concord field -> the columns the import reads it from when the field is left on
    "(automatic)", best first: a row's value is the first of them that is not empty (Scopus
    leaves "Author full names" empty on some rows but fills "Authors"). Keywords are
    gathered from every keyword column instead."""
    keys = [_key(header) for header in headers]
    index: dict[str, int] = {}
    for position, key in enumerate(keys):
        index.setdefault(key, position)
    mapping: dict[str, list[int]] = {}
    for field, aliases in ALIASES.items():
        if field == "keywords":
            continue
        found = [index[alias] for alias in aliases if alias in index]
        if found:
            mapping[field] = found
    if keywords := _keyword_columns(keys):
        mapping["keywords"] = keywords
    return mapping


def automatic_picks(headers: list[str]) -> dict[str, list[tuple[str, ...]]]:
    """For each Concord field, what "(automatic)" reads it from: alternatives, best first,
    each the header names read together (a row's value comes from the first alternative
    that is not empty). Keywords and ISSNs are gathered from all their columns; pages fall
    back on start and end page, an Embase journal on its "Source" cell, a DOI on a link.
    An empty list: nothing found.

    Built on automatic_columns, the mapping the import itself uses, so the column-mapping
    page cannot promise a column the import would not read.
    """
    mapping = automatic_columns(headers)
    keys = [_key(header) for header in headers]
    layout = _layout(set(keys))

    def names(*positions: int) -> tuple[str, ...]:
        return tuple(headers[position] for position in positions)

    picks: dict[str, list[tuple[str, ...]]] = {}
    for field in FIELDS:
        if field in ("page_start", "page_end"):
            continue
        positions = mapping.get(field, [])
        picks[field] = (
            [names(*positions)]
            if field in _GATHERED and positions
            else [names(position) for position in positions]
        )
    if layout == "embase" and "journal" not in mapping and _EMBASE_SOURCE_COLUMN in keys:
        # "Annals of X (2016) 75:Suppl 2 (1102-1103)" holds all five.
        for field in ("journal", "year", "volume", "issue", "pages"):
            picks[field].append(names(keys.index(_EMBASE_SOURCE_COLUMN)))
    page_range = mapping.get("page_start", [])[:1] + mapping.get("page_end", [])[:1]
    if page_range:
        picks["pages"].append(names(*page_range))
    if "doi" not in mapping:
        links = mapping.get("url", []) + (
            [keys.index(_LINK_COLUMN)] if _LINK_COLUMN in keys else []
        )
        picks["doi"] += [names(position) for position in dict.fromkeys(links)]
    return picks


def _mapping(headers: list[str], column_map: dict[str, str] | None) -> dict[str, list[int]]:
    """Concord field -> candidate columns, best first: the automatic ones, then the
    person's choices on the column-mapping page."""
    mapping = automatic_columns(headers)
    if column_map:
        index = {}
        for position, header in enumerate(headers):
            index.setdefault(_key(header), position)
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
    ctx.notes["keyword_columns"] = _keyword_columns(keys)
    ctx.notes["accession"] = next((keys.index(k) for k in _ACCESSION if k in keys), None)
    label_names = ("label_included", "included", "label", "final_decision", "decision")
    ctx.notes["label"] = next((keys.index(k) for k in label_names if k in keys), None)


def _allow_long_cells() -> None:
    if csv.field_size_limit() < limits.MAX_FIELD_CHARS:
        csv.field_size_limit(limits.MAX_FIELD_CHARS)


def split(text: str, ctx: Context) -> list[Pending]:
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), "")
    delimiter = _delimiter(first)
    ctx.notes["delimiter"] = delimiter
    _allow_long_cells()
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


def _unpacked(data: bytes) -> bytes:
    """The table inside a .gz, or a .zip that is not a workbook, as the import unpacks it."""
    if is_gzip(data):
        return compressed.gunzip(data, limits.MAX_BYTES)
    if is_zip(data) and not compressed.is_xlsx(data):
        return compressed.unzip_single(data, limits.MAX_BYTES)[1]
    return data


def _text_rows(data: bytes) -> Iterator[list[str]]:
    """Rows of a CSV/TSV decoded and parsed only as far as the caller reads, with the
    encoding, newlines and delimiter the import uses."""
    encoding, skip = sniff(data)
    sample_text(data, encoding, skip)  # the import's checks for a binary file, on its start
    buffer = io.BytesIO(data)
    buffer.seek(skip)
    # newline=None turns CRLF and bare CR into "\n", as decode() does for the import.
    lines = io.TextIOWrapper(buffer, encoding=encoding, newline=None)
    try:
        head = []
        for line in lines:
            head.append(line.removeprefix("\ufeff") if not head else line)
            if line.strip():
                break
        _allow_long_cells()
        rows = csv.reader(
            itertools.chain(head, lines), delimiter=_delimiter(head[-1] if head else "")
        )
        yield from rows
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"the file is not valid {encoding} ({exc.reason})") from None
    except csv.Error as exc:
        raise ImportFileError(f"the CSV is malformed ({exc})", line=rows.line_num) from None


def _table_rows(data: bytes) -> Iterator[list[str]]:
    """The rows that are not blank, header first, of a CSV, TSV or XLSX file, read lazily."""
    data = _unpacked(data)
    if is_zip(data):
        compressed.check_xlsx_zip(data)
        rows: Iterator[list[str]] = (row for _, row in _xlsx_rows(data))
    else:
        rows = _text_rows(data)
    return (row for row in rows if any(cell.strip() for cell in row))


@contextlib.contextmanager
def _naming(filename: str):
    try:
        yield
    except ImportFileError as exc:
        exc.filename = exc.filename or filename
        raise


def _header(rows: Iterator[list[str]]) -> list[str]:
    header = next(rows, None)
    if header is None:
        raise ImportFileError(ERR_NO_HEADER)
    return [cell.strip() for cell in header]


def csv_headers(data: bytes, *, filename: str = "") -> list[str]:
    """The header row of a CSV/TSV/XLSX file, for the column-mapping step."""
    with _naming(filename):
        return _header(_table_rows(data))


def _preview_cell(value: str, width: int) -> str:
    text = " ".join(value.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + PREVIEW_ELLIPSIS


def preview_rows(
    data: bytes, n: int = 5, *, filename: str = "", width: int = PREVIEW_CELL_CHARS
) -> list[list[str]]:
    """The first ``n`` data rows of a CSV/TSV/XLSX file, one cell per header, for the
    column-mapping page. Only the header and those rows are parsed. Line breaks inside a
    cell become spaces and a cell longer than ``width`` is cut with an ellipsis; markup and
    formulas stay as they are (escaping is the template's job)."""

    with _naming(filename):
        rows = _table_rows(data)
        columns = len(_header(rows))
        return [
            [_preview_cell(cell, width) for cell in (row + [""] * columns)[:columns]]
            for row in itertools.islice(rows, n)
        ]


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
        match = _EMBASE_SOURCE.match(_cell_by_name(row, ctx, _EMBASE_SOURCE_COLUMN))
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
        link = get("url") or _cell_by_name(row, ctx, _LINK_COLUMN)
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
