"""Shared shapes of the appraisal instruments. Pure Python: no Django import (DESIGN.md invariant 7)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

LOW = "low"
SOME_CONCERNS = "some_concerns"
HIGH = "high"
UNCLEAR = "unclear"
GOOD = "good"
FAIR = "fair"
POOR = "poor"

# How a judgement is drawn in traffic-light plots: every instrument maps onto these three
# levels (plus "unclear" for RoB 1), as robvis does.
JUDGEMENT_LABELS = {
    LOW: "Low",
    SOME_CONCERNS: "Some concerns",
    HIGH: "High",
    UNCLEAR: "Unclear",
    GOOD: "Good",
    FAIR: "Fair",
    POOR: "Poor",
}


@dataclass(frozen=True)
class Item:
    """One question an assessor answers. `choices` are (code, label) pairs; text items have none."""

    key: str
    domain: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    kind: str = "single_choice"  # or "long_text" for support text
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class Domain:
    key: str
    label: str
    short: str


@dataclass(frozen=True)
class Assessment:
    """The result of scoring one assessor's (or the consensus') answers.

    `domains` maps a domain key to its judgement, or None while answers are missing.
    `scores` carries numbers where the instrument has them (stars of Newcastle–Ottawa).
    """

    domains: dict[str, str | None]
    overall: str | None
    scores: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    reference: str
    domains: tuple[Domain, ...]
    items: tuple[Item, ...]
    score: Callable[[Mapping[str, str]], Assessment]

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def domain_label(self, key: str) -> str:
        return next((d.label for d in self.domains if d.key == key), "Overall")
