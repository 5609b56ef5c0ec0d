"""A form expands into cells: one value slot per field, arm, time point and outcome component."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extraction.formspec.schema import OUTCOME_TYPES


@dataclass(frozen=True)
class Cell:
    key: str
    field: str
    label: str
    type: str
    section: str
    required: bool = False
    help: str = ""
    unit: str = ""
    choices: tuple = ()
    arm: str = ""
    timepoint: str = ""
    component: str = ""


def _slots(repeat: str, schema: dict[str, Any]):
    arms = schema["arms"] if "arm" in repeat else [""]
    timepoints = schema["timepoints"] if "timepoint" in repeat else [""]
    for arm in arms:
        for timepoint in timepoints:
            yield arm, timepoint


def _key(base: str, arm: str, timepoint: str) -> str:
    return "@".join(part for part in (base, arm, timepoint) if part) if (arm or timepoint) else base


def _suffix(arm: str, timepoint: str) -> str:
    return "".join(f" [{p}]" for p in (arm, timepoint) if p)


def cells(schema: dict[str, Any]) -> list[Cell]:
    """Every cell of a validated schema, in form order."""
    out: list[Cell] = []
    for section in schema["sections"]:
        for f in section["fields"]:
            for arm, tp in _slots(f["repeat"], schema):
                out.append(Cell(
                    key=_key(f["key"], arm, tp), field=f["key"], label=f["label"] + _suffix(arm, tp),
                    type=f["type"], section=section["title"], required=f["required"], help=f["help"],
                    unit=f["unit"], choices=tuple(f["choices"]), arm=arm, timepoint=tp,
                ))
    for o in schema["outcomes"]:
        _, components = OUTCOME_TYPES[o["type"]]
        for arm, tp in _slots(o["repeat"], schema):
            for comp, comp_label, value_type in components:
                out.append(Cell(
                    key=_key(f"{o['key']}.{comp}", arm, tp), field=o["key"],
                    label=f"{o['name']}: {comp_label}{_suffix(arm, tp)}", type=value_type,
                    section=f"Outcome: {o['name']}", help=o["help"], arm=arm, timepoint=tp,
                    component=comp, unit="months" if o["type"] == "time_to_event" and comp != "n" else "",
                ))
    return out


def diff_cells(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Cell keys added and removed going from one schema to another."""
    before = [c.key for c in cells(old)]
    after = [c.key for c in cells(new)]
    return [k for k in after if k not in set(before)], [k for k in before if k not in set(after)]
