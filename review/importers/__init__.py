"""Parsers for search-export files: pure Python, no Django.

``parse_file(data, filename=...)`` is the entry point the import service uses; it detects
the format from the content (never the file name), decodes (UTF-8 with or without BOM,
UTF-16, cp1252/Latin-1 fallback), parses and normalises every record, and raises one
ImportFileError naming file, line and record for anything wrong (``skip_bad=True`` reports
bad records in ``result.skipped`` instead). ``iter_file`` is the same, converting records
while the caller iterates, for services that write in batches.

Decisions a caller should know:

- ``ParsedRecord.line`` is the first line of the record in the file (after CRLF and bare CR
  became line breaks), the sheet row for XLSX, and None for EndNote XML.
- Compressed uploads are accepted: a ``.gz`` file, or a ``.zip`` holding exactly one export,
  each unpacked only up to ``max_bytes`` and a 100:1 ratio; nesting is refused. An XLSX
  workbook's zip directory is checked (parts, total size, ratio) before openpyxl opens it.
- ``max_records`` caps the records of one file: splitting stops at the first record past
  the cap and raises TooManyRecords, so a four-million-row workbook is never built.
- XML with a DTD or entities is refused outright (defusedxml, ``forbid_dtd``).
- Text is kept as text: markup such as ``<script>`` in an abstract is neither stripped nor
  interpreted, and CSV cells starting with ``=`` stay verbatim; escaping is the job of
  templates and exports.
"""

from .api import RecordStream, iter_file, parse_file
from .detect import FORMATS, detect_format
from .errors import ImportFileError, RecordProblem, TooManyRecords
from .records import PUBLICATION_TYPES, ParsedRecord, ParseResult
from .tabular import automatic_picks, csv_headers, preview_rows

__all__ = [
    "FORMATS",
    "PUBLICATION_TYPES",
    "ImportFileError",
    "ParseResult",
    "ParsedRecord",
    "RecordProblem",
    "RecordStream",
    "TooManyRecords",
    "automatic_picks",
    "csv_headers",
    "detect_format",
    "iter_file",
    "parse_file",
    "preview_rows",
]
