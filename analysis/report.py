"""What the review report shows besides the analyses: a characteristics table and a
risk-of-bias summary, both read from locked consensus only (like every number here)."""

from __future__ import annotations

from dataclasses import dataclass

from extraction.formspec import display
from extraction.instruments import INSTRUMENTS, JUDGEMENT_LABELS
from extraction.models import FormVersion
from extraction.selectors import LockedData


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[str, list[str]]]


def characteristics(review, locked: LockedData) -> Table:
    """One row per locked study, one column per study-level field of its form (Table 1)."""
    studies = locked.for_kind("extraction")
    numbers = {s.form_version for s in studies if s.form_version is not None}
    versions = FormVersion.objects.filter(review=review, number__in=numbers).order_by("number")
    keys: dict[str, str] = {}
    for version in versions:
        for section in version.schema["sections"]:
            for field in section["fields"]:
                if field.get("repeat", "none") == "none":
                    keys.setdefault(field["key"], field["label"])
    return Table(
        columns=list(keys.values()),
        rows=[(s.label, [display(s.data.get(k)) for k in keys]) for s in studies],
    )


def risk_of_bias(locked: LockedData) -> list[dict]:
    """Per instrument, per study: the domain judgements and the overall judgement of the
    locked appraisal consensus, scored by the instrument's own algorithm."""
    by_instrument: dict[str, dict] = {}
    for s in locked.for_kind("appraisal"):
        instrument = INSTRUMENTS.get(s.instrument)
        if instrument is None:
            continue
        block = by_instrument.setdefault(
            s.instrument,
            {
                "name": instrument.name,
                "domains": [d.short or d.label for d in instrument.domains],
                "rows": [],
            },
        )
        assessment = instrument.score(s.data)
        judgements = [assessment.domains.get(d.key) for d in instrument.domains]
        block["rows"].append(
            {
                "label": s.label,
                "judgements": [
                    (j or "", JUDGEMENT_LABELS.get(j, "—") if j else "—") for j in judgements
                ],
                "overall": (
                    assessment.overall or "",
                    JUDGEMENT_LABELS.get(assessment.overall, "—"),
                ),
            }
        )
    return list(by_instrument.values())
