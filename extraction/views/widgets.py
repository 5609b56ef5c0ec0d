"""Turn cells into rows a template can render as labelled inputs."""

from __future__ import annotations

from extraction.definitions import choice_labels
from extraction.formspec import display

PREFIX = "cell:"

INPUTS = {"short_text": "text", "integer": "number", "decimal": "text", "date": "date"}


def raw_from_post(post) -> dict:
    raw = {}
    for name in post:
        if name.startswith(PREFIX):
            values = post.getlist(name)
            raw[name[len(PREFIX):]] = values if len(values) > 1 else values[0]
    return raw


def rows(cells, data: dict, *, instrument: str = "", raw: dict | None = None) -> list[dict]:
    """One dict per cell: the cell, its input name and id, the shown value and its choices."""
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
        })
    return out


def sections(row_list: list[dict]) -> list[tuple[str, list[dict]]]:
    grouped: list[tuple[str, list[dict]]] = []
    for row in row_list:
        if not grouped or grouped[-1][0] != row["cell"].section:
            grouped.append((row["cell"].section, []))
        grouped[-1][1].append(row)
    return grouped


def _line_label(cell) -> str:
    # The label without its arm: the arm is the grid's column.
    return cell.label.replace(f" [{cell.arm}]", "", 1) if cell.arm else cell.label


def grid(rows_: list[dict]) -> dict | None:
    """Arms as columns and each measure (per time point) as a row, when every cell of the
    section repeats per arm: the way a trial's results table reads. None otherwise."""
    if not rows_ or not all(r["cell"].arm for r in rows_):
        return None
    arms = list(dict.fromkeys(r["cell"].arm for r in rows_))
    lines: dict[str, dict[str, dict]] = {}
    for row in rows_:
        lines.setdefault(_line_label(row["cell"]), {})[row["cell"].arm] = row
    return {"arms": arms, "lines": [{"label": label, "cells": [by_arm.get(arm) for arm in arms]}
                                    for label, by_arm in lines.items()]}


def sections_with_grids(row_list: list[dict]) -> list[dict]:
    return [{"title": title, "rows": rows_, "grid": grid(rows_)} for title, rows_ in sections(row_list)]
