"""Small edits of a form schema for the form builder; each returns a new schema dict."""

from __future__ import annotations

import copy
from typing import Any

NO_SUCH_KEY = "No field or outcome with the key {key!r}."


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def set_arms_and_timepoints(schema: dict, *, arms: str, timepoints: str) -> dict:
    new = copy.deepcopy(schema)
    new["arms"], new["timepoints"] = _lines(arms), _lines(timepoints)
    return new


def add_field(schema: dict, *, section: str, field: dict[str, Any]) -> dict:
    new = copy.deepcopy(schema)
    section = section.strip() or "General"
    target = next((s for s in new["sections"] if s["title"] == section), None)
    if target is None:
        target = {"title": section, "fields": []}
        new["sections"].append(target)
    choices = field.get("choices", [])
    if isinstance(choices, str):
        choices = [c.strip() for c in choices.splitlines() if c.strip()]
    target["fields"].append({**field, "choices": choices})
    return new


def add_outcome(schema: dict, *, outcome: dict[str, Any]) -> dict:
    new = copy.deepcopy(schema)
    new["outcomes"].append(dict(outcome))
    return new


def remove(schema: dict, *, key: str) -> dict:
    new = copy.deepcopy(schema)
    before = sum(len(s["fields"]) for s in new["sections"]) + len(new["outcomes"])
    for section in new["sections"]:
        section["fields"] = [f for f in section["fields"] if f["key"] != key]
    new["sections"] = [s for s in new["sections"] if s["fields"]]
    new["outcomes"] = [o for o in new["outcomes"] if o["key"] != key]
    if sum(len(s["fields"]) for s in new["sections"]) + len(new["outcomes"]) == before:
        raise KeyError(NO_SUCH_KEY.format(key=key))
    return new


# What a field's edit may change. Its key names the data in every extraction, export and
# analysis, and its type decides how the data were read: changing either would misread data
# already entered, so a different key or type is a new field.
EDITABLE = ("label", "help", "unit", "required", "choices")
MOVES = {"up": -1, "down": 1}


def update_field(schema: dict, *, key: str, changes: dict[str, Any]) -> dict:
    new = copy.deepcopy(schema)
    for section in new["sections"]:
        for field in section["fields"]:
            if field["key"] == key:
                for name, value in changes.items():
                    if name not in EDITABLE:
                        raise ValueError(f"A field's {name} cannot be edited; add a new field instead.")
                    if name == "choices" and isinstance(value, str):
                        value = [c.strip() for c in value.splitlines() if c.strip()]
                    field[name] = value
                return new
    for outcome in new["outcomes"]:
        if outcome["key"] == key:
            if set(changes) - {"name", "label"}:
                raise ValueError("An outcome's name is all that can be edited; add a new outcome instead.")
            outcome["name"] = changes.get("name", changes.get("label", outcome["name"]))
            return new
    raise KeyError(NO_SUCH_KEY.format(key=key))


def move(schema: dict, *, key: str, direction: str) -> dict:
    """One place up or down within its section (a field) or among the outcomes."""
    step = MOVES[direction]
    new = copy.deepcopy(schema)
    for items in [s["fields"] for s in new["sections"]] + [new["outcomes"]]:
        keys = [item["key"] for item in items]
        if key in keys:
            i = keys.index(key)
            j = min(max(i + step, 0), len(items) - 1)
            items[i], items[j] = items[j], items[i]
            return new
    raise KeyError(NO_SUCH_KEY.format(key=key))
