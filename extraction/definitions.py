"""The cells an extraction is made of: from its form version, or from its appraisal instrument."""

from __future__ import annotations

from extraction.formspec import Cell, cells
from extraction.instruments import INSTRUMENTS


def instrument_cells(code: str) -> list[Cell]:
    instrument = INSTRUMENTS[code]
    return [
        Cell(key=item.key, field=item.key, label=item.label, type=item.kind,
             section=instrument.domain_label(item.domain), required=item.required, help=item.help,
             choices=tuple(c for c, _ in item.choices))
        for item in instrument.items
    ]


def cells_for(*, kind: str, form_version=None, instrument: str = "") -> list[Cell]:
    if kind == "appraisal":
        return instrument_cells(instrument)
    return cells(form_version.schema)


def cells_of(obj) -> list[Cell]:
    """Cells of an Extraction or a Consensus."""
    return cells_for(kind=obj.kind, form_version=obj.form_version, instrument=obj.instrument)


def choice_labels(code: str) -> dict[str, dict[str, str]]:
    """For appraisal pages: item key -> {answer code -> label}."""
    return {item.key: dict(item.choices) for item in INSTRUMENTS[code].items}
