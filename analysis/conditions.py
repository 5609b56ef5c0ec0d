"""Conditions on extraction fields that drop studies, and sensitivity variants built on them.

A condition is ``{"field": cell key, "op": one of OPS, "value": text}`` and means "drop the
studies where this holds". A sensitivity variant is ``{"label": ..., "kind": "exclude",
"conditions": [...]}`` or ``{"label": ..., "kind": "outliers"}`` (studies the engine's
influence diagnostics flag). Both are edited as text, one per line, so a lead can write
``publication_type contains abstract`` without a form builder.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

OPS = ("=", "!=", "contains", "<", ">")
OUTLIERS = "outliers"

BAD_CONDITION = "Line {line}: write a condition as 'field op value', op one of {ops}."
BAD_VARIANT = "Line {line}: write a variant as 'Label: condition; condition' or 'Label: outliers'."
NUMBER_NEEDED = "Line {line}: '<' and '>' compare numbers; {value!r} is not a number."

# The three sensitivity analyses of the worked example, offered as presets in the editor.
PRESET_ABSTRACTS = "Drop conference abstracts"
PRESET_RETROSPECTIVE = "Drop retrospective studies"
PRESET_OUTLIERS = "Drop influential outliers"


def _number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_condition(text: str, line: int = 1) -> dict:
    parts = text.strip().split(None, 2)
    if len(parts) != 3 or parts[1] not in OPS:
        raise ValueError(BAD_CONDITION.format(line=line, ops=", ".join(OPS)))
    field, op, value = parts
    if op in ("<", ">") and _number(value) is None:
        raise ValueError(NUMBER_NEEDED.format(line=line, value=value))
    return {"field": field, "op": op, "value": value.strip()}


def parse_conditions(text: str) -> list[dict]:
    lines = [(i, line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
    return [parse_condition(line, i) for i, line in lines]


def parse_variants(text: str) -> list[dict]:
    variants = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, sep, body = line.partition(":")
        if not sep or not label.strip() or not body.strip():
            raise ValueError(BAD_VARIANT.format(line=i))
        if body.strip().lower() == OUTLIERS:
            variants.append({"label": label.strip(), "kind": OUTLIERS})
            continue
        conditions = [parse_condition(part, i) for part in body.split(";") if part.strip()]
        variants.append({"label": label.strip(), "kind": "exclude", "conditions": conditions})
    return variants


def condition_text(condition: dict) -> str:
    return f"{condition['field']} {condition['op']} {condition['value']}"


def variant_text(variant: dict) -> str:
    if variant["kind"] == OUTLIERS:
        return f"{variant['label']}: {OUTLIERS}"
    return f"{variant['label']}: " + "; ".join(condition_text(c) for c in variant["conditions"])


def holds(condition: dict, stored: Any) -> bool:
    """Whether a study whose cell holds ``stored`` meets the condition. A missing value
    meets none, so a study is never dropped for what it did not report."""
    if stored in (None, "", []):
        return False
    values = stored if isinstance(stored, list) else [stored]
    op, wanted = condition["op"], condition["value"].strip().lower()
    texts = [str(v).strip().lower() for v in values]
    if op == "=":
        return any(t == wanted or _same_number(t, wanted) for t in texts)
    if op == "!=":
        return not any(t == wanted or _same_number(t, wanted) for t in texts)
    if op == "contains":
        return any(wanted in t for t in texts)
    limit = _number(wanted)
    numbers = [n for n in (_number(t) for t in texts) if n is not None]
    if limit is None or not numbers:
        return False
    return any(n < limit for n in numbers) if op == "<" else any(n > limit for n in numbers)


def _same_number(a: str, b: str) -> bool:
    x, y = _number(a), _number(b)
    return x is not None and y is not None and x == y


def fields_of(conditions: list[dict]) -> list[str]:
    return [c["field"] for c in conditions]
