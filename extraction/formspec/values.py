"""Typed values: parse what an extractor typed, store it canonically, compare two of them.

Numbers are stored as strings of their decimal value so that 1.50 and 1.5 compare equal and
no binary float rounding creeps in; text is compared after whitespace normalisation.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from extraction.formspec.cells import Cell

NOT_INTEGER = "{label}: enter a whole number."
NOT_DECIMAL = "{label}: enter a number (use a dot for decimals)."
NOT_DATE = "{label}: enter a date as YYYY-MM-DD."
NOT_A_CHOICE = "{label}: {value!r} is not one of the choices."
YES_NO_UNCLEAR = ("yes", "no", "unclear")


class ValueError_(ValueError):
    """A value that does not fit its cell; the message names the cell."""


def normalise_text(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _decimal(text: str) -> str:
    number = Decimal(text)
    if not number.is_finite():
        raise InvalidOperation
    normal = number.normalize()
    # normalize() writes 100 as 1E+2; quantize back to a plain integer string.
    return str(normal.quantize(Decimal(1))) if normal == normal.to_integral() else format(normal, "f")


def coerce(cell: Cell, raw: Any) -> Any:
    """The canonical stored value of `raw`, or None when empty; raises ValueError_."""
    if raw is None:
        return None
    if isinstance(raw, list):
        values = [str(v).strip() for v in raw if str(v).strip()]
        if cell.type != "multiple_choice":
            raw = values[0] if values else ""
        else:
            for v in values:
                if v not in cell.choices:
                    raise ValueError_(NOT_A_CHOICE.format(label=cell.label, value=v))
            return sorted(set(values)) or None
    text = str(raw).strip()
    if not text:
        return None
    kind = cell.type
    try:
        if kind == "integer":
            number = Decimal(text)
            if number != number.to_integral():
                raise InvalidOperation
            return int(number)
        if kind == "decimal":
            return _decimal(text)
        if kind == "date":
            return dt.date.fromisoformat(text).isoformat()
    except (InvalidOperation, ValueError):
        message = {"integer": NOT_INTEGER, "decimal": NOT_DECIMAL, "date": NOT_DATE}[kind]
        raise ValueError_(message.format(label=cell.label)) from None
    if kind in ("single_choice", "multiple_choice"):
        if text not in cell.choices:
            raise ValueError_(NOT_A_CHOICE.format(label=cell.label, value=text))
        return text if kind == "single_choice" else [text]
    if kind == "yes_no_unclear":
        if text.lower() not in YES_NO_UNCLEAR:
            raise ValueError_(NOT_A_CHOICE.format(label=cell.label, value=text))
        return text.lower()
    return text


def same(cell_type: str, a: Any, b: Any) -> bool:
    """Whether two stored values agree: numbers by value, text after whitespace normalisation."""
    if a in (None, "", []) and b in (None, "", []):
        return True
    if a in (None, "", []) or b in (None, "", []):
        return False
    if cell_type in ("integer", "decimal"):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except InvalidOperation:
            return False
    if cell_type == "multiple_choice":
        return sorted(a) == sorted(b)
    return normalise_text(str(a)) == normalise_text(str(b))


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)
