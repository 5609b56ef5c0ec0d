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
