"""The shape of a form: sections of typed fields, outcome definitions, arms and time points."""

from __future__ import annotations

import re
from typing import Any

FIELD_TYPES = {
    "short_text": "Short text",
    "long_text": "Long text",
    "integer": "Integer",
    "decimal": "Decimal (with unit)",
    "date": "Date",
    "single_choice": "Single choice",
    "multiple_choice": "Multiple choice",
    "yes_no_unclear": "Yes / no / unclear",
}

# Each outcome type expands into these components: (key, label, value type).
OUTCOME_TYPES: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "binary": ("Binary (events / total)", (("events", "Events", "integer"), ("total", "Total", "integer"))),
    "continuous": ("Continuous (mean, SD, n; or median with range or IQR)", (
        ("mean", "Mean", "decimal"), ("sd", "SD", "decimal"), ("n", "n", "integer"),
        ("median", "Median", "decimal"), ("min", "Range low", "decimal"), ("max", "Range high", "decimal"),
        ("q1", "IQR low", "decimal"), ("q3", "IQR high", "decimal"))),
    "change": ("Change from baseline (pre/post mean and SD, n, correlation)", (
        ("pre_mean", "Pre mean", "decimal"), ("pre_sd", "Pre SD", "decimal"),
        ("post_mean", "Post mean", "decimal"), ("post_sd", "Post SD", "decimal"),
        ("n", "n", "integer"), ("correlation", "Correlation", "decimal"))),
    "time_to_event": ("Time to event or response (months)", (
        ("mean", "Mean (months)", "decimal"), ("median", "Median (months)", "decimal"), ("n", "n", "integer"))),
}

REPEATS = {
    "none": "Once per study",
    "arm": "Per arm",
    "timepoint": "Per time point",
    "arm_timepoint": "Per arm and time point",
}

KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
# "@" separates the parts of a cell key, so arm and time-point names may not contain it.
NAME = re.compile(r"^[^@]{1,60}$")

BAD_KEY = "{where}: key {key!r} must start with a letter and use only a-z, 0-9 and _."
DUPLICATE_KEY = "Key {key!r} is used twice; keys must be unique in a form."
UNKNOWN_TYPE = "{where}: unknown type {type!r}."
UNKNOWN_REPEAT = "{where}: unknown repeat {repeat!r}."
NEEDS_CHOICES = "{where}: a choice field needs at least two choices."
BAD_NAME = "Arm and time-point names must be 1-60 characters without '@': {name!r}."
NEEDS_ARMS = "{where}: repeats per arm, but the form has no arms."
NEEDS_TIMEPOINTS = "{where}: repeats per time point, but the form has no time points."
NOT_A_FORM = "A form is an object with 'sections' (a list)."


class SchemaError(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def empty() -> dict[str, Any]:
    return {"arms": [], "timepoints": [], "sections": [], "outcomes": []}


def _check_repeat(where, repeat, schema, errors):
    if repeat not in REPEATS:
        errors.append(UNKNOWN_REPEAT.format(where=where, repeat=repeat))
        return
    if "arm" in repeat and not schema.get("arms"):
        errors.append(NEEDS_ARMS.format(where=where))
    if "timepoint" in repeat and not schema.get("timepoints"):
        errors.append(NEEDS_TIMEPOINTS.format(where=where))


def validate(schema: Any) -> dict[str, Any]:
    """Return the schema with defaults filled in, or raise SchemaError listing every problem."""
    if not isinstance(schema, dict) or not isinstance(schema.get("sections"), list):
        raise SchemaError([NOT_A_FORM])
    errors: list[str] = []
    seen: set[str] = set()
    clean = {"arms": [str(a).strip() for a in schema.get("arms", [])],
             "timepoints": [str(t).strip() for t in schema.get("timepoints", [])],
             "sections": [], "outcomes": []}
    for name in clean["arms"] + clean["timepoints"]:
        if not NAME.match(name):
            errors.append(BAD_NAME.format(name=name))

    def claim(key, where):
        if not isinstance(key, str) or not KEY.match(key):
            errors.append(BAD_KEY.format(where=where, key=key))
        elif key in seen:
            errors.append(DUPLICATE_KEY.format(key=key))
        seen.add(key)

    for s_index, section in enumerate(schema["sections"], start=1):
        title = str(section.get("title", "")).strip() or f"Section {s_index}"
        fields = []
        for field in section.get("fields", []):
            where = f"{title} / {field.get('label') or field.get('key')}"
            claim(field.get("key"), where)
            ftype = field.get("type")
            if ftype not in FIELD_TYPES:
                errors.append(UNKNOWN_TYPE.format(where=where, type=ftype))
            choices = [str(c).strip() for c in field.get("choices", []) if str(c).strip()]
            if ftype in ("single_choice", "multiple_choice") and len(choices) < 2:
                errors.append(NEEDS_CHOICES.format(where=where))
            repeat = field.get("repeat", "none")
            _check_repeat(where, repeat, clean, errors)
            fields.append({
                "key": field.get("key"), "label": str(field.get("label") or field.get("key")),
                "type": ftype, "required": bool(field.get("required", False)),
                "help": str(field.get("help", "")), "unit": str(field.get("unit", "")),
                "choices": choices, "repeat": repeat,
            })
        clean["sections"].append({"title": title, "fields": fields})
    for outcome in schema.get("outcomes", []):
        where = f"Outcome {outcome.get('name') or outcome.get('key')}"
        claim(outcome.get("key"), where)
        if outcome.get("type") not in OUTCOME_TYPES:
            errors.append(UNKNOWN_TYPE.format(where=where, type=outcome.get("type")))
        repeat = outcome.get("repeat", "arm_timepoint")
        _check_repeat(where, repeat, clean, errors)
        clean["outcomes"].append({
            "key": outcome.get("key"), "name": str(outcome.get("name") or outcome.get("key")),
            "type": outcome.get("type"), "repeat": repeat, "help": str(outcome.get("help", "")),
            "required": bool(outcome.get("required", False)),
        })
    if errors:
        raise SchemaError(errors)
    return clean
