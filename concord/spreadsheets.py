"""The one writer of every CSV and XLSX download: no cell a spreadsheet would run.

A text cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return, also after leading spaces, or with the fullwidth
``＝＋－＠`` that some spreadsheets fold to ASCII) is prefixed with an apostrophe (OWASP,
"CSV Injection"). Numbers stay numbers: a float ``-0.5`` is written as a number, and so is a
text cell that is nothing but a number (``"-0.5"``), which no spreadsheet evaluates; ``"-2+3"``
is neutralised. XLSX cells are written with their type set by hand, so no cell is ever a
formula whatever its text.

Frames are read through ``columns`` and ``itertuples`` only, so this module imports neither
pandas nor Django and review, extraction and analysis can all use it.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINE_END = "\r\n"  # RFC 4180

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def safe_cell(value) -> str:
    """``value`` as CSV text that no spreadsheet runs as a formula."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return _neutral(value)
    return str(value)


def _neutral(text: str) -> str:
    if text.startswith(("\t", "\r")):
        return "'" + text
    stripped = text.lstrip(" \u00a0\u3000\n")
    if stripped.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(stripped.rstrip()):
        return "'" + text
    return text


def _plain(value):
    """Numbers as Python numbers, missing values as None, everything else as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        # Spreadsheets have no infinity: the text keeps the meaning.
        return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, decimal.Decimal):
        return _plain(float(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalars, without importing numpy
    if callable(item) and getattr(value, "shape", None) == ():
        return _plain(item())
    if value != value:  # pandas.NA, NaT
        return None
    return str(value)


def _frame_table(frame) -> tuple[list, Iterable[Sequence]]:
    return list(frame.columns), frame.itertuples(index=False, name=None)


def csv_text(header: Sequence, rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=LINE_END)
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def csv_bytes(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    return csv_text(header, rows).encode("utf-8")


def frame_csv(frame) -> bytes:
    return csv_bytes(*_frame_table(frame))


def _xlsx_value(value):
    value = _plain(value)
    if isinstance(value, str):
        # openpyxl refuses control characters outright; a download must not fail on them.
        return _neutral(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_TITLE_BAD.sub(" ", str(title)).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def xlsx_bytes(sheets: Mapping[str, tuple[Sequence, Iterable[Sequence]]]) -> bytes:
    """A workbook with one sheet per ``title: (header, rows)``."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(_sheet_title(title, taken))
        for r, row in enumerate([header, *rows], start=1):
            for c, value in enumerate(row, start=1):
                value = _xlsx_value(value)
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c)
                cell.value = value
                if isinstance(value, str):
                    # openpyxl marks any text starting with "=" as a formula on assignment.
                    cell.data_type = "s"
    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def frames_xlsx(sheets: Mapping[str, object]) -> bytes:
    return xlsx_bytes({title: _frame_table(frame) for title, frame in sheets.items()})
