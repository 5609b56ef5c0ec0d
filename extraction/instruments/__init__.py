"""Quality-appraisal instruments as pure definitions with their scoring (no Django import)."""

from __future__ import annotations

from extraction.instruments.common import JUDGEMENT_LABELS, Assessment, Domain, Instrument, Item
from extraction.instruments.nos import NOS_CASE_CONTROL, NOS_COHORT, ahrq_rating
from extraction.instruments.rob1 import ROB1
from extraction.instruments.rob2 import ROB2

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (ROB2, ROB1, NOS_COHORT, NOS_CASE_CONTROL)}

DESIGNS = (
    ("rct", "Randomised controlled trial"),
    ("cohort", "Cohort study"),
    ("case_control", "Case-control study"),
    ("other", "Other design"),
)

# The instrument follows the study design; the lead may override it per study.
DEFAULT_FOR_DESIGN = {"rct": "rob2", "cohort": "nos_cohort", "case_control": "nos_case_control", "other": "nos_cohort"}


def instrument_for_design(design: str) -> Instrument:
    return INSTRUMENTS[DEFAULT_FOR_DESIGN[design]]


__all__ = [
    "DESIGNS", "INSTRUMENTS", "JUDGEMENT_LABELS", "Assessment", "Domain", "Instrument", "Item",
    "ahrq_rating", "instrument_for_design",
]
