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
