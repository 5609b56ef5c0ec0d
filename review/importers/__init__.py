"""Parsers for search-export files: pure Python, no Django.

``parse_file`` is the one entry point the import service uses; see ``api.py``.
"""

from .api import parse_file
from .detect import FORMATS, detect_format
from .errors import ImportFileError, RecordProblem
from .records import PUBLICATION_TYPES, ParsedRecord, ParseResult
from .tabular import csv_headers

__all__ = [
    "FORMATS",
    "PUBLICATION_TYPES",
    "ImportFileError",
    "ParseResult",
    "ParsedRecord",
    "RecordProblem",
    "csv_headers",
    "detect_format",
    "parse_file",
]
