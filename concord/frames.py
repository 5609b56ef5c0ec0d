"""Frames built from records without dataframe artefacts, and their cells as a page shows them.

``pd.DataFrame(list_of_dicts)`` fills a key some rows lack with NaN, and a column of whole
numbers with one gap turns float: a table of NOS stars then reads ``8.0`` and ``NaN``, and
``to_html`` adds the index as a first column. Every table Concord builds from records goes
through ``records_frame`` (object columns, ``None`` for a gap, numbers as they came), and a
page renders a frame through ``frame_rows`` and a template table, never ``to_html``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd


def records_frame(records: Iterable[Mapping], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A frame of ``records`` with one object column per key (first-seen order unless ``columns``)."""
    records = list(records)
    if columns is None:
        seen: dict[str, None] = {}
        for record in records:
            seen.update(dict.fromkeys(record))
        columns = list(seen)
    return pd.DataFrame([[record.get(c) for c in columns] for record in records], columns=list(columns),
                        dtype=object)


def shown(value) -> str:
    """One cell as text for a page: a gap is empty, a whole float is a whole number."""
    if value is None:
        return ""
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and getattr(value, "shape", None) == ():
        value = item()
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    try:
        if value != value:  # pandas.NA, NaT
            return ""
    except TypeError:
        return ""
    return str(value)


def frame_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(header, rows of text) of a frame, without its index."""
    return [str(c) for c in frame.columns], [[shown(v) for v in row]
                                             for row in frame.itertuples(index=False, name=None)]
