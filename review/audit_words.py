"""The audit log in words: "Vote cast · screening decision 12 · Vote: exclude", not Python dicts.

Events store JSON values as the services wrote them (review/services/audit.py); this module
only reads them for people. The stored values stay the record: the CSV of the audit log and
``audit_verify`` use them as they are.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

from review.models.screening import Stage, StageStatus, Vote

# Values a person reads better as their label; keys name where the code appears.
CODED = {"stage": dict(Stage.choices), "status": dict(StageStatus.choices), "vote": dict(Vote.choices)}
# A nested value (a consensus's data) longer than this is summarised as a count of fields.
MAX_TEXT = 160


def humanise(key: str) -> str:
    text = key.replace("_", " ").replace(".", " · ").strip()
    return text[:1].upper() + text[1:]


def action_label(action: str) -> str:
    """``extraction.consensus_locked`` → "Extraction: consensus locked"."""
    area, _, what = action.partition(".")
    if not what:
        return humanise(area)
    return f"{humanise(area)}: {what.replace('_', ' ')}"


def object_label(object_type: str, object_id: str) -> str:
    """``review.screeningdecision`` 12 → "screening decision 12" (the model's own name for itself)."""
    try:
        name = apps.get_model(object_type)._meta.verbose_name
    except (LookupError, ValueError):
        name = object_type.rpartition(".")[2]
    return f"{name} {object_id}".strip()


def value_text(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in CODED and isinstance(value, str):
        return CODED[key].get(value, value)
    if isinstance(value, list):
        return ", ".join(value_text(key, v) for v in value) if value else "none"
    if isinstance(value, dict):
        inner = "; ".join(f"{humanise(k)} {value_text(k, v)}" for k, v in value.items())
        return inner if len(inner) <= MAX_TEXT else f"{len(value)} fields"
    return str(value)


def change_lines(old: Any, new: Any) -> list[str]:
    """One line per field: "Status: Awaiting decisions → Excluded" where it changed,
    "Vote: Exclude" where the event only states a value."""
    if not isinstance(old, dict) and not isinstance(new, dict):
        if old is None:
            return [] if new is None else [value_text("", new)]
        return [f"{value_text('', old)} → {value_text('', new)}"]
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    lines = []
    for key in dict.fromkeys([*old, *new]):
        if key in old and key in new:
            if old[key] != new[key]:
                lines.append(f"{humanise(key)}: {value_text(key, old[key])} → {value_text(key, new[key])}")
        elif key in new:
            lines.append(f"{humanise(key)}: {value_text(key, new[key])}")
        elif old[key] not in (None, "", []):
            # A withdrawn vote's empty note or labels: nothing was there to remove.
            lines.append(f"{humanise(key)}: {value_text(key, old[key])} → removed")
    return lines
