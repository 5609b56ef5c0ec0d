"""Turn cells into rows a template can render as labelled inputs."""

from __future__ import annotations

from extraction.definitions import choice_labels
from extraction.formspec import ValueError_, coerce, display

PREFIX = "cell:"

INPUTS = {"short_text": "text", "integer": "number", "decimal": "text", "date": "date"}


def raw_from_post(post) -> dict:
    raw = {}
    for name in post:
        if name.startswith(PREFIX):
            values = post.getlist(name)
            raw[name[len(PREFIX):]] = values if len(values) > 1 else values[0]
    return raw


def _error(cell, raw: dict | None) -> str:
    # The same coercion the save ran, cell by cell, so each message can sit beside its input.
    if raw is None or cell.key not in raw:
        return ""
    try:
        coerce(cell, raw[cell.key])
    except ValueError_ as exc:
        return str(exc)
    return ""


def rows(cells, data: dict, *, instrument: str = "", raw: dict | None = None) -> list[dict]:
    """One dict per cell: the cell, its input name and id, the shown value, its choices and,
    after a post that did not save, its error message."""
    labels = choice_labels(instrument) if instrument else {}
    out = []
    for index, cell in enumerate(cells):
        if raw is not None:
            shown = raw.get(cell.key, "")
        else:
            shown = data.get(cell.key, "")
        selected = set(shown) if isinstance(shown, list) else {str(shown)}
        names = labels.get(cell.key, {})
        choices = cell.choices
        if cell.type == "yes_no_unclear":
            choices = ("yes", "no", "unclear")
        out.append({
            "cell": cell, "name": PREFIX + cell.key, "id": f"cell-{index}",
            "value": shown if isinstance(shown, str) else display(shown),
            "input": INPUTS.get(cell.type, cell.type),
            "choices": [(c, names.get(c, c), c in selected) for c in choices],
            "error": _error(cell, raw),
        })
    return out


def sections(row_list: list[dict]) -> list[tuple[str, list[dict]]]:
    grouped: list[tuple[str, list[dict]]] = []
    for row in row_list:
        if not grouped or grouped[-1][0] != row["cell"].section:
            grouped.append((row["cell"].section, []))
        grouped[-1][1].append(row)
    return grouped


def _line_label(cell, prefix: str = "") -> str:
    # The label without its arm (the arm is the grid's column) nor its outcome (the row group's header).
    label = cell.label.replace(f" [{cell.arm}]", "", 1) if cell.arm else cell.label
    return label[len(prefix):] if prefix and label.startswith(prefix) else label


def _lines(rows_: list[dict], arms: list[str], prefix: str = "") -> list[dict]:
    lines: dict[str, dict[str, dict]] = {}
    for row in rows_:
        lines.setdefault(_line_label(row["cell"], prefix), {})[row["cell"].arm] = row
    return [{"label": label, "cells": [by_arm.get(arm) for arm in arms]} for label, by_arm in lines.items()]


def _per_arm(rows_: list[dict]) -> bool:
    return bool(rows_) and all(r["cell"].arm for r in rows_)


def grid(rows_: list[dict]) -> dict | None:
    """Arms as columns and each measure (per time point) as a row, when every cell of the
    section repeats per arm: the way a trial's results table reads. None otherwise."""
    if not _per_arm(rows_):
        return None
    arms = list(dict.fromkeys(r["cell"].arm for r in rows_))
    return {"arms": arms, "lines": _lines(rows_, arms)}


OUTCOME_PREFIX = "Outcome: "


def outcomes_grid(outcome_sections: list[tuple[str, list[dict]]]) -> dict:
    """One table for every per-arm outcome of the study: a row group per outcome, a row per
    measure and time point, a column per arm, so all of a results table is typed in one place."""
    arms = list(dict.fromkeys(r["cell"].arm for _, rows_ in outcome_sections for r in rows_))
    groups = []
    for title, rows_ in outcome_sections:
        name = title[len(OUTCOME_PREFIX):] if title.startswith(OUTCOME_PREFIX) else title
        groups.append({"title": name, "help": rows_[0]["cell"].help, "lines": _lines(rows_, arms, f"{name}: ")})
    return {"arms": arms, "groups": groups}


def _is_outcome(rows_: list[dict]) -> bool:
    return bool(rows_) and all(r["cell"].component for r in rows_)


def sections_with_grids(row_list: list[dict]) -> list[dict]:
    """The entry page's blocks in form order. Outcomes that repeat per arm join one arms ×
    outcomes grid, placed where the first of them stood; other sections keep their own."""
    blocks: list[dict] = []
    outcomes: dict | None = None
    outcome_sections: list[tuple[str, list[dict]]] = []
    for title, rows_ in sections(row_list):
        if _is_outcome(rows_) and _per_arm(rows_):
            if outcomes is None:
                outcomes = {"title": "Outcomes", "rows": [], "grid": None, "outcomes": True}
                blocks.append(outcomes)
            outcomes["rows"].extend(rows_)
            outcome_sections.append((title, rows_))
        else:
            blocks.append({"title": title, "rows": rows_, "grid": grid(rows_), "outcomes": False})
    if outcomes is not None:
        outcomes["grid"] = outcomes_grid(outcome_sections)
    return blocks
